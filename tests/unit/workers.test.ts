import { describe, expect, it } from "vitest";
import { WorkerCountError, workerCount } from "../../server/workers";

describe("workerCount (WEB_CONCURRENCY)", () => {
  it("runs one worker per core when it is not set", () => {
    expect(workerCount(undefined, 2)).toBe(2);
    expect(workerCount("", 8)).toBe(8);
    expect(workerCount("  ", 1)).toBe(1);
  });

  it("runs the number it names, from 1 to 64", () => {
    expect(workerCount("1", 2)).toBe(1);
    expect(workerCount(" 3 ", 2)).toBe(3);
    expect(workerCount("64", 2)).toBe(64);
  });

  it("refuses anything else, naming the setting and what it is", () => {
    for (const bad of ["0", "65", "-1", "2.5", "two", "1e2"]) {
      expect(() => workerCount(bad, 2)).toThrow(WorkerCountError);
    }
    expect(() => workerCount("two", 2)).toThrow('WEB_CONCURRENCY must be a whole number from 1 to 64 (workers to run); it is "two".');
  });
});
