// Reads a request body into memory, but never more than `limit` bytes: a
// declared Content-Length over the limit is refused before reading, and a
// streamed (chunked) body is cut off as soon as it passes the limit. A body
// that does not arrive within `timeoutMs` is given up (slow uploads would
// otherwise hold their buffer and their share of the large-body budget).
import type { IncomingMessage } from "node:http";

export type BodyRead = { ok: true; body: Buffer } | { ok: false; reason: "too_large" | "aborted" | "timeout" };

export function readBodyWithin(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyRead> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve({ ok: false, reason: "too_large" });
  // With a declared length the body goes straight into one buffer of that
  // size, so the chunks and their concatenation are never held side by side.
  const expected = declared !== undefined && Number.isSafeInteger(Number(declared)) ? Number(declared) : null;
  return new Promise((resolve) => {
    const target = expected !== null ? Buffer.allocUnsafe(expected) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      req.pause();
      finish({ ok: false, reason: "timeout" });
    }, timeoutMs);
    const finish = (result: BodyRead) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onError);
      chunks.length = 0;
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      // Node enforces a declared Content-Length, so `target` cannot overflow; the check is for chunked bodies.
      if (size + chunk.length > (target?.length ?? limit)) {
        // Stop reading; the connection is closed after the 413 goes out.
        req.pause();
        finish({ ok: false, reason: "too_large" });
        return;
      }
      if (target) chunk.copy(target, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => finish({ ok: true, body: target ? target.subarray(0, size) : Buffer.concat(chunks, size) });
    const onError = () => finish({ ok: false, reason: "aborted" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

/**
 * A process-wide budget of bytes for large bodies being held at once (read,
 * then parsed by the action). take() reserves, or answers false when the
 * budget is spent; the caller gives the bytes back when its response is done.
 */
export function createBodyBudget(totalBytes: number) {
  let inUse = 0;
  return {
    take(bytes: number): boolean {
      if (inUse + bytes > totalBytes) return false;
      inUse += bytes;
      return true;
    },
    give(bytes: number) {
      inUse = Math.max(0, inUse - bytes);
    },
    get inUse() {
      return inUse;
    },
  };
}
