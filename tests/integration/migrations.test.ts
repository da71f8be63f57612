// The migrations in prisma/migrations and schema.prisma must describe the same
// database: a hand edit to one without the other fails here.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { applyMigrations, listMigrations } from "~/modules/db/migrate.server";
import { diffMigrationsToSchema } from "../../scripts/db/schema-engine";

const server = () => ({ ...inject("pgServer"), database: "postgres" });

describe("migrations", () => {
  it("agree with schema.prisma (the diff between them is empty)", async () => {
    expect(await diffMigrationsToSchema({ server: server() })).toBe("");
  }, 120_000);

  it("would be caught disagreeing: a field added to the schema alone shows in the diff", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-schema-"));
    const schemaPath = path.join(dir, "schema.prisma");
    const schema = fs
      .readFileSync("prisma/schema.prisma", "utf8")
      .replace("model Village {", 'model Village {\n  mottoZh String? @map("motto_zh")');
    fs.writeFileSync(schemaPath, schema);
    try {
      const diff = await diffMigrationsToSchema({ server: server(), schemaPath });
      expect(diff).toMatch(/ALTER TABLE "village" ADD COLUMN\s+"motto_zh" TEXT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("apply once, record Prisma's checksums, and do nothing on a second run", async () => {
    const name = `hs_migrate_${process.pid}_${Date.now()}`;
    const admin = new pg.Client(server());
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const target = { ...server(), database: name };
      const first = await applyMigrations(target);
      expect(first).toEqual(listMigrations().map((m) => m.name));
      expect(await applyMigrations(target)).toEqual([]);
      const client = new pg.Client(target);
      await client.connect();
      const { rows } = await client.query(`SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`);
      await client.end();
      expect(rows).toEqual(listMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("number the payments that exist before attempts were numbered, oldest first, with their keys", async () => {
    const name = `hs_migrate_attempts_${process.pid}_${Date.now()}`;
    const admin = new pg.Client(server());
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const before = fs.mkdtempSync(path.join(os.tmpdir(), "hs-migrations-"));
    try {
      const all = listMigrations();
      const numbering = all.findIndex((m) => m.name.endsWith("_payment_attempts_events_refund_requests"));
      expect(numbering).toBeGreaterThan(0);
      for (const migration of all.slice(0, numbering))
        fs.cpSync(path.join("prisma/migrations", migration.name), path.join(before, migration.name), { recursive: true });
      const target = { ...server(), database: name };
      await applyMigrations(target, { migrationsDir: before });
      const client = new pg.Client(target);
      await client.connect();
      const orderId = "11111111-1111-4111-8111-111111111111";
      await client.query(
        `INSERT INTO customer_order (id, number, access_token, status, email, recipient_name, mobile, province, city, district, street, currency, total_minor, updated_at)
         VALUES ($1, 'HS-1', 'tok', 'paid', 'a@b.c', 'A', '13800138000', 'P', 'C', 'D', 'S', 'CNY', 100, now())`,
        [orderId],
      );
      await client.query(
        `INSERT INTO payment (id, order_id, provider, provider_ref, status, amount_minor, currency, created_at, updated_at) VALUES
         ('22222222-2222-4222-8222-222222222222', $1, 'test', 'second', 'succeeded', 100, 'CNY', now(), now()),
         ('33333333-3333-4333-8333-333333333333', $1, 'test', 'first', 'failed', 100, 'CNY', now() - interval '1 minute', now())`,
        [orderId],
      );
      await applyMigrations(target);
      const { rows } = await client.query(
        `SELECT provider_ref, attempt_number, idempotency_key, settlement FROM payment ORDER BY attempt_number`,
      );
      await client.end();
      expect(rows).toEqual([
        { provider_ref: "first", attempt_number: 1, idempotency_key: `order:${orderId}:attempt:1`, settlement: null },
        { provider_ref: "second", attempt_number: 2, idempotency_key: `order:${orderId}:attempt:2`, settlement: "order" },
      ]);
    } finally {
      fs.rmSync(before, { recursive: true, force: true });
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("roll back a failing migration whole and say which one failed", async () => {
    const name = `hs_migrate_bad_${process.pid}_${Date.now()}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-migrations-"));
    fs.mkdirSync(path.join(dir, "20260101000000_good"));
    fs.writeFileSync(path.join(dir, "20260101000000_good", "migration.sql"), "CREATE TABLE good (id int);");
    fs.mkdirSync(path.join(dir, "20260102000000_bad"));
    fs.writeFileSync(path.join(dir, "20260102000000_bad", "migration.sql"), "CREATE TABLE half (id int); SELECT no_such_function();");
    const admin = new pg.Client(server());
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const target = { ...server(), database: name };
      await expect(applyMigrations(target, { migrationsDir: dir })).rejects.toThrow(/20260102000000_bad failed and was rolled back/);
      const client = new pg.Client(target);
      await client.connect();
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
      await client.end();
      expect(tables.rows.map((r) => r.tablename)).toEqual(["_prisma_migrations", "good"]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stop the start when an applied migration was edited afterwards, naming it", async () => {
    const name = `hs_migrate_edited_${process.pid}_${Date.now()}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-migrations-"));
    fs.mkdirSync(path.join(dir, "20260101000000_first"));
    fs.writeFileSync(path.join(dir, "20260101000000_first", "migration.sql"), "CREATE TABLE first (id int);");
    const admin = new pg.Client(server());
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const target = { ...server(), database: name };
      await applyMigrations(target, { migrationsDir: dir });
      fs.writeFileSync(path.join(dir, "20260101000000_first", "migration.sql"), "CREATE TABLE first (id bigint);");
      fs.mkdirSync(path.join(dir, "20260102000000_second"));
      fs.writeFileSync(path.join(dir, "20260102000000_second", "migration.sql"), "CREATE TABLE second (id int);");
      await expect(applyMigrations(target, { migrationsDir: dir })).rejects.toThrow(
        /Migration 20260101000000_first was edited after it was applied/,
      );
      // Nothing after the edited migration ran.
      const client = new pg.Client(target);
      await client.connect();
      const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
      await client.end();
      expect(tables.rows.map((r) => r.tablename)).toEqual(["_prisma_migrations", "first"]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
