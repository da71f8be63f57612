// The shop's clock for decisions that wait on the calendar (a disbursement's
// review period, which reports are due). It is the system clock, except that
// outside production a test may move it ahead: HARVEST_CLOCK_FILE names a file
// holding how many milliseconds to add (written by moveClockAhead in tests).
// Production refuses the setting (env.server.ts).
import fs from "node:fs";
import { config } from "~/modules/config/env.server";

/** Now, by the shop's clock. */
export function now(): Date {
  return new Date(Date.now() + clockOffsetMs());
}

/** How far the test clock runs ahead (0 in production and without the file). */
export function clockOffsetMs(): number {
  const file = config().clockFile;
  if (!file) return 0;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch {
    return 0;
  }
  const offset = Number(text);
  return Number.isFinite(offset) ? offset : 0;
}
