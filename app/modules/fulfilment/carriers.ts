// The carriers a cooperative ships with, and the tracking-number formats
// they print on their waybills, so a mistyped number is caught while the
// parcel is still on the table. "other" takes any plausible number, with a
// warning that it could not be checked.

export const CARRIERS = ["sf", "jd", "ems", "zto", "yto", "sto", "yunda", "jt", "other"] as const;
export type Carrier = (typeof CARRIERS)[number];

export const CARRIER_NAMES: Record<Carrier, { zh: string; en: string }> = {
  sf: { zh: "顺丰速运", en: "SF Express" },
  jd: { zh: "京东物流", en: "JD Logistics" },
  ems: { zh: "中国邮政 EMS", en: "China Post EMS" },
  zto: { zh: "中通快递", en: "ZTO Express" },
  yto: { zh: "圆通速递", en: "YTO Express" },
  sto: { zh: "申通快递", en: "STO Express" },
  yunda: { zh: "韵达快递", en: "Yunda Express" },
  jt: { zh: "极兔速递", en: "J&T Express" },
  other: { zh: "其他", en: "Other" },
};

/**
 * Each carrier's waybill numbers as they are printed today: SF "SF" + 13
 * digits (12 digits on older waybills); JD "JD" + 12–13 letters or digits;
 * EMS 13 digits, or the UPU S10 form (two letters, nine digits, two letters);
 * ZTO 12 or 14 digits (7…, 5…, 6…); YTO "YT" + 13 digits; STO 12–15 digits;
 * Yunda 13 or 15 digits; J&T "JT" + 13 digits.
 */
const FORMATS: Record<Exclude<Carrier, "other">, RegExp> = {
  sf: /^(SF\d{13}|\d{12})$/,
  jd: /^JD[0-9A-Z]{12,13}$/,
  ems: /^(\d{13}|[A-Z]{2}\d{9}[A-Z]{2})$/,
  zto: /^[5-7]\d{11}(\d{2})?$/,
  yto: /^YT\d{13}$/,
  sto: /^\d{12,15}$/,
  yunda: /^\d{13}(\d{2})?$/,
  jt: /^JT\d{13}$/,
};

const PLAUSIBLE = /^[0-9A-Z-]{6,40}$/;

export type TrackingCheck = { ok: true; number: string; warning: "unchecked_carrier" | null } | { ok: false; problem: "format" };

export function normaliseTrackingNumber(raw: string): string {
  return raw.replace(/\s/g, "").toUpperCase();
}

/** A carrier's number in its own format; "other" any plausible number, flagged as unchecked. */
export function checkTrackingNumber(carrier: Carrier, raw: string): TrackingCheck {
  const number = normaliseTrackingNumber(raw);
  if (carrier === "other")
    return PLAUSIBLE.test(number) ? { ok: true, number, warning: "unchecked_carrier" } : { ok: false, problem: "format" };
  return FORMATS[carrier].test(number) ? { ok: true, number, warning: null } : { ok: false, problem: "format" };
}

/** A carrier's name in the page's language; a stored value no longer on the list reads as itself. */
export function carrierName(carrier: string, locale: "zh" | "en"): string {
  return (CARRIERS as readonly string[]).includes(carrier) ? CARRIER_NAMES[carrier as Carrier][locale] : carrier;
}
