// Prisma CLI configuration. Prisma 7 reads the connection URL from here, not
// from schema.prisma. The CLI's migrate commands need a native engine that
// cannot be downloaded offline: use `npm run db:migration:create` and
// `npm run db:migrate` (scripts/db/) instead. See docs/operations.md.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/harvest_share" },
});
