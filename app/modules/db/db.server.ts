// The Prisma client, created on first use from DATABASE_URL (which the server
// sets itself when it starts the embedded PostgreSQL).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "~/generated/prisma/client";

export type Db = PrismaClient;
export type DbTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

let client: PrismaClient | undefined;

export function createDb(connectionString: string, maxConnections = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max: maxConnections });
  // Under a burst, a money flow waits for a pooled connection rather than fail
  // (Prisma's default gives up after 2 s).
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000, timeout: 20_000 } });
}

export function db(): PrismaClient {
  if (!client) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the shop with `npm start`, which provides one.");
    client = createDb(url);
  }
  return client;
}

/** For tests and scripts that manage their own client. */
export function setDb(next: PrismaClient | undefined) {
  client = next;
}
