// The public transparency page: the log's published key and latest
// checkpoint, the whole ledger as a download, and the standalone script that
// verifies it against the signed checkpoint with the key pinned (and catches
// an edit). The receipt's own proof is tests/e2e/ledger-proof.spec.ts.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { expect, test } from "./support/fixtures";
import { addToCart, placeOrder } from "./support/shop";

test("anyone can download the ledger from a fund's page and verify it offline with the published key; an edited copy fails", async ({
  page,
}, testInfo) => {
  await addToCart(page, "lingshan-lychee", 2);
  await placeOrder(page);
  await page.getByRole("button", { name: "支付", exact: true }).click();
  // The receipt speaks plainly: its place in the public log, no idempotency key.
  const receipt = page.getByTestId("ledger-proof");
  const status = page.getByTestId("ledger-proof-status");
  await expect(status).toHaveAttribute("data-state", "sealed", { timeout: 15_000 });
  await expect(receipt).not.toContainText("幂等键");
  await expect(receipt).not.toContainText(":capture");
  const sequence = /#(\d+)/.exec((await status.textContent())!)![1];
  await expect(page.getByTestId("contribution-status")).toHaveText("退款期内（待确认）");

  await page.goto("/funds/lychee-town-relief");
  // The monthly chart draws in the browser (a CSP violation would fail the test as a console error),
  // once the visitor points at the page (app/components/amount-bar-chart.tsx).
  await page.getByTestId("public-chart-month").hover();
  await expect(page.getByTestId("public-chart-month-drawn").locator("svg").first()).toBeVisible();
  const publicKey = (await page.getByTestId("ledger-public-key").textContent())!.trim();
  const published = Number(await page.getByTestId("ledger-latest-checkpoint").getAttribute("data-size"));
  expect(published).toBeGreaterThanOrEqual(Number(sequence));

  const downloadPromise = page.waitForEvent("download");
  await page.getByTestId("download-ledger").click();
  const file = testInfo.outputPath("ledger.jsonl");
  await (await downloadPromise).saveAs(file);
  const content = fs.readFileSync(file, "utf8");
  const [header, ...lines] = content.trim().split("\n");
  expect(JSON.parse(header)).toMatchObject({ format: "harvest-share/ledger-export/v2", publicKey });
  const target = lines.findIndex((line) => JSON.parse(line).sequence === sequence);
  expect(target, "the receipt's entry is in the download").toBeGreaterThanOrEqual(0);

  // The verifier as the page offers it, with the key the page publishes.
  const script = testInfo.outputPath("verify-ledger.mjs");
  fs.writeFileSync(script, await (await page.request.get("/verify-ledger.mjs")).text());
  const ok = spawnSync(process.execPath, [script, file, "--key", publicKey], { encoding: "utf8" });
  // Others may have paid since the page was read: the download's checkpoint is at or after the published one.
  const verified = /^VERIFIED: (\d+) entries, sequence 1\.\.\d+/m.exec(ok.stdout);
  expect(verified, ok.stdout).not.toBeNull();
  expect(Number(verified![1])).toBeGreaterThanOrEqual(published);
  expect(ok.status).toBe(0);

  const edited = JSON.parse(lines[target]);
  edited.memo = "edited";
  lines[target] = JSON.stringify(edited);
  const editedFile = testInfo.outputPath("edited.jsonl");
  fs.writeFileSync(editedFile, [header, ...lines].join("\n"));
  const bad = spawnSync(process.execPath, [script, editedFile, "--key", publicKey], { encoding: "utf8" });
  expect(bad.status).toBe(1);
  expect(bad.stdout).toContain("NOT VERIFIED: ");
});
