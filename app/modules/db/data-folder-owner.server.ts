// Who owns an embedded PostgreSQL data folder. The shop process that starts the
// postmaster records itself in `harvest-shop.pid` beside PostgreSQL's own
// `postmaster.pid`. When the shop dies without stopping its database
// (`kill -9`, the OOM killer, a power-cycled container), the next start finds a
// postmaster that no live shop owns and stops it instead of refusing to start.
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

function commandOf(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return null;
  }
}

export function recordOwner(dataDir: string, pid = process.pid) {
  const identity: ProcessIdentity = { pid, startTime: startTimeOf(pid) };
  fs.writeFileSync(path.join(dataDir, OWNER_FILE), JSON.stringify(identity) + "\n");
}

export function clearOwner(dataDir: string, pid = process.pid) {
  const owner = readOwner(dataDir);
  if (owner?.pid === pid) fs.rmSync(path.join(dataDir, OWNER_FILE), { force: true });
}

function readOwner(dataDir: string): ProcessIdentity | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dataDir, OWNER_FILE), "utf8")) as ProcessIdentity;
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
    pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null; // a stale lock file: PostgreSQL itself ignores it
  const command = commandOf(pid);
  if (command !== null && !command.includes("postgres")) return null; // the PID now belongs to something else
  return pid;
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
