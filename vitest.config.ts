import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const alias = { "~": fileURLToPath(new URL("./app", import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      {
        // Projects do not inherit the root's test options by themselves (the timeouts above).
        extends: true,
        // Pure logic: no database, no server; `npm run test:unit` runs only these, in seconds.
        resolve: { alias },
        test: {
          name: "unit",
          include: ["app/**/*.test.ts", "tests/unit/**/*.test.ts"],
          setupFiles: ["tests/support/setup-file.ts"],
        },
      },
      {
        extends: true,
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          // One PostgreSQL for the run; each file gets its own database cloned from a migrated, seeded template.
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/setup-file.ts"],
          fileParallelism: true,
        },
      },
    ],
  },
});
