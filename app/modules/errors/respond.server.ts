import { data } from "@remix-run/node";
import { isUserError } from "./user-error";

/** Runs an action's work; a UserError becomes `{ error }` with its status, anything else propagates. */
export async function withUserErrors<T>(work: () => Promise<T>) {
  try {
    return await work();
  } catch (error) {
    if (isUserError(error)) {
      return data({ error: { code: error.code, params: error.params } }, { status: error.status });
    }
    throw error;
  }
}

export function notFound(): never {
  throw new Response("Not found", { status: 404 });
}
