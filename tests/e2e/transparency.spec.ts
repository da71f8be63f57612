// The public transparency page: the chain head, the whole ledger as a
// download, and the standalone script that verifies it (and catches an edit).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { expect, test } from "./support/fixtures";
import { addToCart, placeOrder } from "./support/shop";

test("anyone can download the ledger from a fund's page and verify it offline; an edited copy fails", async ({ page }, testInfo) => {
  await addToCart(page, "lingshan-lychee", 2);
  await placeOrder(page);
  await page.getByRole("button", { name: "支付", exact: true }).click();
  // The receipt speaks plainly: the transaction's number, its status and a short fingerprint, the whole one a click away.
  const receipt = page.getByTestId("ledger-ref");
  await expect(receipt).toContainText(/公开账本的第 #\d+ 笔交易/);
  await expect(page.getByTestId("ledger-status")).toContainText("已写入公开账本");
  await expect(receipt).not.toContainText("幂等键");
  await expect(receipt).not.toContainText(":capture");
  await expect(page.getByTestId("receipt-hash-short")).toHaveText(/^[0-9a-f]{10}…[0-9a-f]{6}$/);
  await receipt.getByText("显示完整指纹").click();
  await expect(page.getByTestId("receipt-hash")).toBeVisible();
  await expect(page.getByTestId("receipt-hash")).toHaveText(/^[0-9a-f]{64}$/);
  const receiptHash = (await page.getByTestId("receipt-hash").textContent())!;
  expect(receiptHash.startsWith((await page.getByTestId("receipt-hash-short").textContent())!.split("…")[0])).toBe(true);
  await expect(page.getByTestId("contribution-status")).toHaveText("退款期内（待确认）");

  await page.goto("/funds/lychee-town-relief");
  // The monthly chart draws in the browser (a CSP violation would fail the test as a console error).
  await expect(page.getByTestId("public-chart-month-drawn").locator("svg").first()).toBeVisible();
  const head = (await page.getByTestId("chain-head-hash").textContent())!.trim();
  const sequence = (await page.getByTestId("chain-head-sequence").textContent())!.replace("#", "").trim();
  expect(head).toMatch(/^[0-9a-f]{64}$/);

  const downloadPromise = page.waitForEvent("download");
  await page.getByTestId("download-ledger").click();
  const file = testInfo.outputPath("ledger.jsonl");
  await (await downloadPromise).saveAs(file);
  const content = fs.readFileSync(file, "utf8");
  expect(content).toContain(receiptHash);

  // The verifier as the page offers it.
  const script = testInfo.outputPath("verify-ledger.mjs");
  fs.writeFileSync(script, await (await page.request.get("/verify-ledger.mjs")).text());
  const ok = spawnSync(process.execPath, [script, file], { encoding: "utf8" });
  expect(ok.stdout).toContain("VERIFIED:");
  expect(ok.status).toBe(0);
  // Other tests may have added transactions since the page was read: the
  // download's head is at or after the published one, and contains it.
  const verifiedSequence = Number(/chain head #(\d+)/.exec(ok.stdout)![1]);
  expect(verifiedSequence).toBeGreaterThanOrEqual(Number(sequence));
  expect(content).toContain(`"hash":"${head}"`);

  const lines = content.trim().split("\n");
  const target = lines.findIndex((line) => line.includes(receiptHash));
  const edited = JSON.parse(lines[target]);
  edited.memo = "edited";
  lines[target] = JSON.stringify(edited);
  const editedFile = testInfo.outputPath("edited.jsonl");
  fs.writeFileSync(editedFile, lines.join("\n"));
  const bad = spawnSync(process.execPath, [script, editedFile], { encoding: "utf8" });
  expect(bad.status).toBe(1);
  expect(bad.stdout).toContain(`NOT VERIFIED at sequence ${edited.sequence}`);
});
