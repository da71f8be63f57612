// The shop may run as root while the data folder belongs to the `postgres` OS
// user: nothing planted in the folder may make the shop write elsewhere or
// signal a process that is not this folder's postmaster.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAlive, isPostmasterOf, liveOwner, OWNER_FILE, recordOwner, runningPostmaster } from "~/modules/db/data-folder-owner.server";

let root: string;
let dataDir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "hs-owner-"));
  dataDir = path.join(root, "postgres");
  fs.mkdirSync(dataDir);
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
});

/** A live process whose command line reads `postgres -D <folder>` (node, under the name argv0). */
async function fakePostgres(folder: string) {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "--", "-D", folder], { stdio: "ignore", argv0: "postgres" });
  children.push(child);
  await new Promise((resolve) => child.once("spawn", resolve));
  return child.pid!;
}

describe("the owner file harvest-shop.pid", () => {
  it("is not written through a symlink planted in the data folder; the link's target stays unchanged", () => {
    const outside = path.join(root, "outside.conf");
    fs.writeFileSync(outside, "precious\n");
    fs.symlinkSync(outside, path.join(dataDir, OWNER_FILE));

    recordOwner(dataDir);

    expect(fs.readFileSync(outside, "utf8")).toBe("precious\n");
    expect(fs.lstatSync(path.join(dataDir, OWNER_FILE)).isFile()).toBe(true);
    expect(liveOwner(dataDir)).toBe(process.pid);
    expect(fs.readdirSync(dataDir)).toEqual([OWNER_FILE]); // no temporary file left behind
  });

  it("is not read through a symlink", () => {
    const outside = path.join(root, "owner.json");
    fs.writeFileSync(outside, JSON.stringify({ pid: process.pid, startTime: null }) + "\n");
    fs.symlinkSync(outside, path.join(dataDir, OWNER_FILE));
    expect(liveOwner(dataDir)).toBeNull();
  });
});

describe.runIf(fs.existsSync("/proc/self"))("the postmaster named in postmaster.pid", () => {
  it("is not this folder's when the live process is a postgres on another -D", async () => {
    const other = path.join(root, "other");
    fs.mkdirSync(other);
    const pid = await fakePostgres(other);
    fs.writeFileSync(path.join(dataDir, "postmaster.pid"), `${pid}\n${other}\n`);
    expect(isAlive(pid)).toBe(true);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")).toContain("postgres");
    expect(runningPostmaster(dataDir)).toBeNull();
  });

  it("is this folder's when the live process is a postgres started with -D on it (by any path to it)", async () => {
    fs.symlinkSync(dataDir, path.join(root, "alias"));
    const pid = await fakePostgres(path.join(root, "alias"));
    fs.writeFileSync(path.join(dataDir, "postmaster.pid"), `${pid}\n${dataDir}\n`);
    expect(runningPostmaster(dataDir)).toBe(pid);
  });
});

describe("isPostmasterOf", () => {
  it("needs the postgres binary as argv[0] and -D (or its other spellings) on the folder's real path", () => {
    expect(isPostmasterOf(["/opt/pg/bin/postgres", "-D", dataDir, "-p", "5432"], dataDir)).toBe(true);
    expect(isPostmasterOf(["/opt/pg/bin/postgres", `-D${dataDir}`], dataDir)).toBe(true);
    expect(isPostmasterOf(["/opt/pg/bin/postgres", `--pgdata=${dataDir}`], dataDir)).toBe(true);
    expect(isPostmasterOf(["/opt/pg/bin/postgres", "-D", root], dataDir)).toBe(false);
    expect(isPostmasterOf(["/opt/pg/bin/postgres"], dataDir)).toBe(false);
    expect(isPostmasterOf(["/usr/bin/vim", "-D", dataDir, "postgres"], dataDir)).toBe(false);
  });
});
