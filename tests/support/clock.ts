// Moves the shop's clock (app/modules/clock/clock.server.ts) in an integration
// test, as the e2e shop's moveShopClock does: only what waits on the calendar
// reads it (review periods, reports due); the ledger keeps the real time.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { config, setConfig } from "~/modules/config/env.server";

const DAY = 24 * 60 * 60_000;
const file = path.join(os.tmpdir(), `hs-test-clock-${process.pid}-${Math.random().toString(36).slice(2)}`);

/** The shop's clock runs this many milliseconds ahead of the real one from now on; 0 puts it back. */
export function moveTestClock(aheadMs: number) {
  fs.writeFileSync(file, String(aheadMs));
  setConfig({ ...config(), clockFile: aheadMs === 0 ? null : file });
}

/** Runs `work` with the shop's clock `days` days ahead, and puts it back whatever happens. */
export async function withClockAhead<T>(days: number, work: () => Promise<T>): Promise<T> {
  moveTestClock(days * DAY);
  try {
    return await work();
  } finally {
    moveTestClock(0);
  }
}
