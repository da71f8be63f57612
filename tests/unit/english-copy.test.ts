// The English copy reads as a native speaker would write it. These pin the
// phrases a review found misleading or stilted, so they do not creep back.
import { describe, expect, it } from "vitest";
import { resources } from "~/modules/i18n/resources";

const en = resources.en.translation;

function allStrings(node: unknown, path = ""): { path: string; text: string }[] {
  if (typeof node === "string") return [{ path, text: node }];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) => allStrings(value, path ? `${path}.${key}` : key));
}

describe("English copy", () => {
  it('says the funds\' accounts are public, not "open an account"', () => {
    expect(allStrings(en).filter(({ text }) => /open (fund )?accounts?/i.test(text))).toEqual([]);
    expect(en.home.heroFunds).toBe("See the funds' public accounts");
  });

  it("has no phrasing translated word for word from the Chinese", () => {
    const stilted = [
      /\bwas already used\b/,
      /\bis not right\b/,
      /\bReceived in all\b/,
      /\bitems were released\b/,
      /\bInvite someone into\b/,
    ];
    expect(allStrings(en).filter(({ text }) => stilted.some((pattern) => pattern.test(text)))).toEqual([]);
  });

  it("uses the corrected wording in a sample of places", () => {
    expect(en.funds.received).toBe("Total received");
    expect(en.funds.agreed).toBe("Pledged (approved)");
    expect(en.funds.arrived).toBe("Disbursed (paid)");
    expect(en.auth.forgotSent).toBe(
      "If there is an account with this email address, we have sent it a reset link. The link is valid for 30 minutes.",
    );
    expect(en.errors.invalid_credentials).toBe("The email or password is incorrect.");
    expect(en.account.impactOrders).toBe("Orders: {{count}}");
    expect(en.order.expiredBody).toBe(
      "We didn't receive payment in time, so the items are no longer reserved. Please order again if you still want them.",
    );
  });

  it("keeps every English value non-empty and free of stray whitespace", () => {
    for (const { path, text } of allStrings(en)) {
      expect(text.trim(), path).toBe(text);
      expect(text.length, path).toBeGreaterThan(0);
    }
  });
});
