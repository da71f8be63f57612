// Writes app/modules/accounts/common-passwords.txt: the most common passwords
// long enough to pass our length rule (8+), most common first, from the
// zxcvbn-ts frequency list (MIT), plus a few common in China. Run it again to
// refresh the list: `npx tsx scripts/make-common-passwords.ts`.
import fs from "node:fs";
import { dictionary } from "@zxcvbn-ts/language-common";

const COUNT = 5000;
const CHINESE_FAVOURITES = [
  "woaini1314",
  "5201314520",
  "1314520520",
  "aa123456",
  "qq123456",
  "a123456789",
  "abc123456",
  "woaini520",
  "88888888",
  "11111111",
  "147258369",
  "123456789a",
];

const list = [
  ...new Set([...CHINESE_FAVOURITES, ...(dictionary["passwords-common"] as string[]).filter((word) => word.length >= 8)]),
].slice(0, COUNT);
fs.writeFileSync("app/modules/accounts/common-passwords.txt", `${list.join("\n")}\n`);
console.log(`wrote ${list.length} passwords`);
