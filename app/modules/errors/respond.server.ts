import { data } from "@remix-run/node";
import { isUserError, type UserError } from "./user-error";

/** Runs an action's work; a UserError becomes `{ error }` with its status, anything else propagates. */
export async function withUserErrors<T>(work: () => Promise<T>) {
  try {
    return await work();
  } catch (error) {
    return catchUserError(error);
  }
}

/**
 * For an action's catch block: a UserError becomes `{ error, ...extra }` with
 * its status (and Retry-After for a rate limit); anything else is rethrown.
 */
export function catchUserError(error: unknown, extra: Record<string, unknown> | ((error: UserError) => Record<string, unknown>) = {}) {
  if (isUserError(error)) return userErrorData(error, typeof extra === "function" ? extra(error) : extra);
  throw error;
}

export function notFound(): never {
  throw new Response("Not found", { status: 404 });
}

/** A UserError as action data, with Retry-After when it is a rate limit. */
export function userErrorData(error: UserError, extra: Record<string, unknown> = {}) {
  const headers: Record<string, string> = {};
  if (error.status === 429 && typeof error.params.seconds === "number") headers["Retry-After"] = String(error.params.seconds);
  return data({ ...extra, error: { code: error.code, params: error.params } }, { status: error.status, headers });
}

/** Who is asking, for rate limits, audit entries and links in emails. */
export function clientInfo(request: Request, context: { clientIp?: string | null }) {
  return { ip: context.clientIp ?? null, userAgent: request.headers.get("user-agent"), origin: new URL(request.url).origin };
}
