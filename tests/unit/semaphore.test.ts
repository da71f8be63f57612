import { describe, expect, it } from "vitest";
import { createSemaphore } from "~/modules/cooperatives/semaphore";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("a semaphore", () => {
  it("never runs more than its limit at once, runs every task, in order, and frees its slot when a task fails", async () => {
    for (const limit of [1, 2, 3]) {
      const semaphore = createSemaphore(limit);
      let running = 0;
      let most = 0;
      const started: number[] = [];
      const task = (i: number) => async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
        if (i === 2) throw new Error("this one fails");
        return i;
      };
      const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => semaphore.run(task(i))));
      expect(most).toBe(limit);
      expect(semaphore.peak).toBe(limit);
      expect(semaphore.active).toBe(0);
      expect(started).toEqual([0, 1, 2, 3, 4, 5]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"]);
    }
  });

  it("refuses a limit below 1", () => {
    expect(() => createSemaphore(0)).toThrow();
  });
});
