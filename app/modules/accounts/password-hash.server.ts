// Password hashing: argon2id with OWASP's minimum for it (19 MiB, 2 passes,
// 1 lane). The parameters are in the hash, so raising them later still
// verifies old hashes; needsRehash tells when to upgrade one at sign-in.
import { hash, verify } from "@node-rs/argon2";

// Algorithm.Argon2id (a const enum the isolated-modules build cannot import).
const ARGON2ID = 2;

export const ARGON2_PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/** A hash made with weaker parameters than today's. */
export function needsRehash(storedHash: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
  if (!match) return true;
  return Number(match[1]) < ARGON2_PARAMS.memoryCost || Number(match[2]) < ARGON2_PARAMS.timeCost;
}

// Verifying against this when the email is unknown keeps both answers equally slow.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("not-a-real-password-only-for-timing");
  return dummyHash;
}
