// Configuration from the environment, validated once. In production a missing
// secret stops the server with a sentence that names it.
import { z } from "zod";

const EnvSchema = z.object({
  NODE_ENV: z.enum(["production", "development", "test"]).optional(),
  DATABASE_URL: z.string().optional(),
  SESSION_SECRET: z.string().optional(),
  HARVEST_TEST_GATEWAY: z.enum(["on", "off"]).optional(),
  HARVEST_INSECURE_COOKIES: z.enum(["1"]).optional(),
  RESERVATION_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  STRIPE_SECRET_KEY: z.string().optional(),
});

export type Config = {
  isProduction: boolean;
  sessionSecret: string;
  /** Cookies get `Secure` in production unless HARVEST_INSECURE_COOKIES=1 (plain-HTTP test rigs). */
  secureCookies: boolean;
  testGatewayEnabled: boolean;
  reservationMinutes: number;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const DEVELOPMENT_SECRET = "harvest-share-development-secret-not-for-production";

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Configuration error in ${issue.path.join(".")}: ${issue.message}`);
  }
  const values = parsed.data;
  const isProduction = values.NODE_ENV === "production";
  const problems: string[] = [];

  if (isProduction && !values.SESSION_SECRET) {
    problems.push("SESSION_SECRET is missing: set it to a random string of at least 32 characters (e.g. `openssl rand -hex 32`).");
  } else if (isProduction && values.SESSION_SECRET!.length < 32) {
    problems.push("SESSION_SECRET is too short: use at least 32 random characters.");
  }
  // Until Stripe is wired in, the built-in test gateway is the only way to
  // pay; production must opt in to it explicitly.
  const testGatewayEnabled = isProduction ? values.HARVEST_TEST_GATEWAY === "on" : values.HARVEST_TEST_GATEWAY !== "off";
  if (isProduction && !testGatewayEnabled) {
    problems.push(
      "No payment gateway is configured: Stripe is not supported yet, and the built-in test gateway is refused in production unless HARVEST_TEST_GATEWAY=on.",
    );
  }
  if (problems.length > 0) throw new ConfigError(`Harvest Share cannot start:\n- ${problems.join("\n- ")}`);

  return {
    isProduction,
    sessionSecret: values.SESSION_SECRET ?? DEVELOPMENT_SECRET,
    secureCookies: values.HARVEST_INSECURE_COOKIES !== "1",
    testGatewayEnabled,
    reservationMinutes: values.RESERVATION_MINUTES,
  };
}

let current: Config | undefined;

export function config(): Config {
  current ??= loadConfig();
  return current;
}

/** Tests swap the configuration; pass undefined to re-read the environment. */
export function setConfig(next: Config | undefined) {
  current = next;
}
