/**
 * How many workers `npm start` runs: WEB_CONCURRENCY when it is set (a whole
 * number from 1 to 64), else one per core.
 */
export function workerCount(setting: string | undefined, cores: number): number {
  const trimmed = setting?.trim() ?? "";
  if (trimmed === "") return Math.max(1, cores);
  const wanted = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!(wanted >= 1 && wanted <= 64)) {
    throw new WorkerCountError(`WEB_CONCURRENCY must be a whole number from 1 to 64 (workers to run); it is "${setting}".`);
  }
  return wanted;
}

export class WorkerCountError extends Error {}
