import os from "node:os";

// Connection settings as separate fields. node-postgres lets a
// connectionString override `database`, which once sent shadow-database work
// to the main database (STACK.md): keep the fields apart.
export type PgConnection = {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
};

/** Separate fields from a `postgresql://` URL (never hand the URL itself to the adapter). */
export function parseDatabaseUrl(url: string): PgConnection {
  let parsed: URL;
  try {
    // `postgresql://user@/db?host=/socket/dir` (empty host) is not a valid
    // WHATWG URL: give it a placeholder host; `?host=` wins below anyway.
    parsed = new URL(url.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)(?=[/?#]|$)/, "$1localhost"));
  } catch {
    throw new Error("DATABASE_URL is not a valid URL (postgresql://user:password@host:port/database)");
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new Error(`DATABASE_URL is not a PostgreSQL URL (${parsed.protocol})`);
  }
  const hostname = decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, "$1"); // [::1] -> ::1
  return {
    host: parsed.searchParams.get("host") ?? (hostname || "localhost"),
    port: parsed.port ? Number(parsed.port) : Number(process.env.PGPORT ?? 5432),
    user: decodeURIComponent(parsed.username) || process.env.PGUSER || os.userInfo().username,
    password: decodeURIComponent(parsed.password) || process.env.PGPASSWORD || "",
    database: decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres",
  };
}

export function toDatabaseUrl(connection: PgConnection): string {
  const auth = `${encodeURIComponent(connection.user)}:${encodeURIComponent(connection.password)}`;
  return `postgresql://${auth}@${connection.host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}
