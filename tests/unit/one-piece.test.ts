// Helpers that exist once stay once: a second copy of the user-error catch,
// of notFound() or of the order-number pattern in app/ fails here, naming the
// file and the helper to use instead.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catchUserError } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const files = sourceFiles("app").map((file) => ({ file, text: fs.readFileSync(file, "utf8") }));
const filesMatching = (pattern: RegExp) => files.filter(({ text }) => pattern.test(text)).map(({ file }) => file);

describe("one piece each", () => {
  it("the user-error catch: catchUserError / withUserErrors in app/modules/errors/respond.server.ts", () => {
    expect(filesMatching(/if \(isUserError\(error\)\) return userErrorData\(/)).toEqual(["app/modules/errors/respond.server.ts"]);
  });

  it("notFound(): app/modules/errors/respond.server.ts", () => {
    expect(filesMatching(/function notFound\(/)).toEqual(["app/modules/errors/respond.server.ts"]);
  });

  it("the order-number pattern: isOrderNumber in app/modules/orders/order-number.ts", () => {
    expect(filesMatching(/\/\^HS-\\d\{6\}/)).toEqual([]);
  });
});

describe("catchUserError", () => {
  it("turns a UserError into action data with its status, extra fields and Retry-After for a rate limit", () => {
    const refused = catchUserError(new UserError("email_taken", {}, 409), { email: "a@b.c" });
    expect(refused.init?.status).toBe(409);
    expect(refused.data).toEqual({ email: "a@b.c", error: { code: "email_taken", params: {} } });
    const limited = catchUserError(new UserError("rate_limited", { seconds: 30 }, 429), (error) => ({ code: error.code }));
    expect(new Headers(limited.init?.headers).get("Retry-After")).toBe("30");
    expect(limited.data).toMatchObject({ code: "rate_limited" });
  });

  it("rethrows anything else", () => {
    const crash = new Error("database down");
    expect(() => catchUserError(crash)).toThrow(crash);
  });
});
