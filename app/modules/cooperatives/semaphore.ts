// A counting semaphore for work that should queue rather than run all at
// once in this process (decoding photos takes whole cores).

export type Semaphore = {
  /** Runs `work` once fewer than the limit are running; later callers wait their turn, first come first served. */
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly limit: number;
  /** How many are running now, and the most that ever ran at once (for tests and logs). */
  readonly active: number;
  readonly peak: number;
};

export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`a semaphore needs a limit of at least 1, not ${limit}`);
  let active = 0;
  let peak = 0;
  const waiting: (() => void)[] = [];
  return {
    limit,
    get active() {
      return active;
    },
    get peak() {
      return peak;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      // A finishing task hands its slot straight to the next in line, so `active` never dips and rises between them.
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      peak = Math.max(peak, active);
      try {
        return await work();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
  };
}
