// Serialization failures and deadlocks are PostgreSQL asking us to try
// again; flows that move money retry them a few times and never surface them.
const RETRYABLE = new Set(["40001", "40P01", "P2034"]);

function isRetryable(error: unknown): boolean {
  const e = error as { code?: string; meta?: { code?: string }; cause?: { code?: string; originalCode?: string } } | undefined;
  const codes = [e?.code, e?.meta?.code, e?.cause?.code, e?.cause?.originalCode];
  if (codes.some((code) => code && RETRYABLE.has(code))) return true;
  return /deadlock detected|could not serialize access/i.test(String((error as Error)?.message ?? ""));
}

export async function withRetry<T>(work: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
