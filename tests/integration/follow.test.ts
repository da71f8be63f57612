// Following a fund on a real PostgreSQL: double opt-in, tokens stored hashed
// and each good for one thing, mail only to confirmed followers who have not
// unsubscribed, in their language, once per follower even when two app
// instances deliver at once, with the unsubscribe link and RFC 8058 headers in
// every mail; rate limits, bad input and no telling who follows.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import net from "node:net";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { config, setConfig } from "~/modules/config/env.server";
import { isUserError } from "~/modules/errors/user-error";
import { chinaTime, deliverFundNotices } from "~/modules/follow/delivery.server";
import { confirmFollow, confirmLinkState, followFund, unsubscribeFollower, unsubscribeLinkState } from "~/modules/follow/followers.server";
import { queueFundNotice, type FundNoticeInput } from "~/modules/follow/notices.server";
import { resources } from "~/modules/i18n/resources";
import { deliverQueuedMail, readMailbox } from "~/modules/mail/mail.server";
import * as followRoute from "~/routes/funds.$slug_.follow";
import * as unsubscribeRoute from "~/routes/funds.$slug_.unsubscribe";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 30_000 });

const SLUG = "lychee-town-relief";
let fundId: string;
let otherFundId: string;
let proposerId: string;
let approverId: string;

beforeAll(async () => {
  fundId = (await t.db.fund.findUniqueOrThrow({ where: { slug: SLUG } })).id;
  otherFundId = (await t.db.fund.findFirstOrThrow({ where: { slug: { not: SLUG } } })).id;
  proposerId = (await createUser(t.db)).id;
  approverId = (await createUser(t.db)).id;
});

const newEmail = (tag = "f") => `${tag}-${randomBytes(5).toString("hex")}@example.com`;
/** A client address of its own per call, so the per-address limit never joins in unless a test means it to. */
const freshIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type OutboxMail = { subject: string; text: string; headers: Record<string, string> | null };
async function outboxTo(email: string): Promise<OutboxMail[]> {
  const { rows } = await t.sql(`SELECT subject, text, headers FROM mail_outbox WHERE "to" = $1 ORDER BY id`, [email]);
  return rows as OutboxMail[];
}
const follower = (email: string, fund = fundId) => t.db.fundFollower.findUnique({ where: { fundId_email: { fundId: fund, email } } });

const confirmTokenIn = (text: string) => /\/follow\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? null;
const unsubscribeLinkIn = (text: string) => /(http\S+\/unsubscribe\?token=([A-Za-z0-9_-]{43}))/.exec(text);

/** Asks to follow; returns the confirmation token of the mail it sent. */
async function requestFollow(email: string, options: { locale?: "zh" | "en"; fund?: string; ip?: string } = {}) {
  await followFund({ fundId: options.fund ?? fundId, email, locale: options.locale ?? "zh" }, { ip: options.ip ?? freshIp() });
  const mails = await outboxTo(email);
  const token = confirmTokenIn(mails.at(-1)?.text ?? "");
  return token;
}

/** A follower who asked and confirmed. */
async function confirmedFollower(email = newEmail(), locale: "zh" | "en" = "zh") {
  const token = await requestFollow(email, { locale });
  await confirmFollow(fundId, token!);
  return email;
}

/** An approved disbursement in its review period, as the review part leaves it (inserted directly: no money needed here). */
async function approvedDisbursement(details: { village?: string; amountMinor?: bigint; status?: string } = {}) {
  const id = randomUUID();
  const closes = new Date("2026-12-07T06:00:00Z"); // 14:00 in China
  await t.sql(
    `INSERT INTO disbursement (id, fund_id, village, project, purpose, amount_minor, currency, planned_date, status, proposed_by_id,
                               decided_by_id, decided_at, review_days, review_opens_at, review_closes_at)
     VALUES ($1, $2, $3, '荔枝冷链', '冷链箱', $4, 'CNY', '2026-12-10', $5, $6, $8, now(), 5, now(), $7)`,
    [
      id,
      fundId,
      details.village ?? "灵山荔乡",
      String(details.amountMinor ?? 120000n),
      details.status ?? "approved",
      proposerId,
      closes,
      approverId,
    ],
  );
  return id;
}

let reportMonth = 0;
/** A published report row (the reports part writes these; its figures do not matter here). */
async function publishedReport() {
  const id = randomUUID();
  reportMonth++;
  const key = `2020-${String(reportMonth).padStart(2, "0")}`;
  await t.sql(
    `INSERT INTO fund_report (id, fund_id, period, period_key, starts_at, ends_at, figures)
     VALUES ($1, $2, 'month', $3, '2020-01-01', '2020-02-01', '{}')`,
    [id, fundId, key],
  );
  return { id, key };
}

const queue = (notice: FundNoticeInput) => t.db.$transaction((tx) => queueFundNotice(tx, notice));
const reviewNotice = (disbursementId: string): FundNoticeInput => ({ fundId, kind: "review_opened", disbursementId });

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (isUserError(error)) return `${error.code} ${error.status}`;
    throw error;
  }
}

type ActionData = { type?: string; data?: Record<string, unknown>; init?: ResponseInit | null };
/** A route's action as Remix calls it; its answer as { status, body }. */
async function post(
  route: { action: (args: never) => Promise<unknown> },
  url: string,
  body: BodyInit,
  headers: Record<string, string> = {},
) {
  const request = new Request(`http://shop.test${url}`, { method: "POST", body, headers });
  const slug = /^\/funds\/([^/]+)/.exec(url)![1];
  const result = (await route.action({ request, params: { slug }, context: { clientIp: freshIp() } } as never)) as ActionData;
  if (result && result.type === "DataWithResponseInit") return { status: result.init?.status ?? 200, body: result.data ?? {} };
  return { status: 200, body: result as Record<string, unknown> };
}
const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

describe("following a fund", () => {
  it("mails a confirmation link and stores only the hashes of its tokens", async () => {
    const email = newEmail();
    const token = await requestFollow(email);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [mail] = await outboxTo(email);
    expect(mail.text).toContain(`http://shop.test/funds/${SLUG}/follow/confirm?token=${token}`);
    expect(mail.subject).toBe("请确认关注「荔乡电商扶贫发展资金池」 · 益农集市");
    const row = (await follower(email))!;
    expect(row.confirmedAt).toBeNull();
    expect(row.confirmTokenHash).toBe(sha256(token!));
    expect(row.unsubscribeTokenHash).toMatch(/^[0-9a-f]{64}$/);
    // No column holds a token itself.
    expect(JSON.stringify(row)).not.toContain(token);

    expect(await confirmLinkState(fundId, token!)).toBe("usable");
    await confirmFollow(fundId, token!);
    expect((await follower(email))!.confirmedAt).toBeInstanceOf(Date);
    expect((await follower(email))!.confirmTokenHash).toBeNull();
  });

  it("answers the same whether the address is new, waiting, following or unsubscribed, and tells nobody which", async () => {
    const fresh = newEmail("new");
    const waiting = newEmail("wait");
    const following = newEmail("on");
    const gone = newEmail("gone");
    const oldWaitingToken = await requestFollow(waiting);
    await confirmedFollower(following, "en");
    await confirmedFollower(gone);
    const goneRow = (await follower(gone))!;
    await unsubscribeFollower(fundId, unsubscribeLinkIn((await alreadyMailOf(gone)).text)![2]);

    const answers = [];
    for (const email of [fresh, waiting, following, gone]) {
      const answer = await post(followRoute, `/funds/${SLUG}/follow`, form({ email }), FORM);
      answers.push({ ...answer, body: { ...answer.body, email: "…" } });
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 200, body: { sent: true, email: "…" } });

    // Each got a mail: a confirmation (a new link replaces a waiting one), or "you already follow" with the unsubscribe link.
    expect(confirmTokenIn((await outboxTo(fresh)).at(-1)!.text)).not.toBeNull();
    const newWaitingToken = confirmTokenIn((await outboxTo(waiting)).at(-1)!.text)!;
    expect(newWaitingToken).not.toBe(oldWaitingToken);
    expect(await codeOf(confirmFollow(fundId, oldWaitingToken!))).toBe("follow_confirm_invalid 410");
    const already = (await outboxTo(following)).at(-1)!;
    expect(already.subject).toBe("You already follow Lychee-town e-commerce poverty-relief development fund · Harvest Share");
    expect(confirmTokenIn(already.text)).toBeNull();
    expect(unsubscribeLinkIn(already.text)).not.toBeNull();
    expect(already.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect((await follower(following))!.confirmedAt).toBeInstanceOf(Date);
    // Someone typing a follower's address in Chinese does not change the language their mail comes in.
    expect((await follower(following))!.locale).toBe("en");
    // The unsubscribed address is asked to confirm again and gets nothing until it does.
    expect(confirmTokenIn((await outboxTo(gone)).at(-1)!.text)).not.toBeNull();
    expect((await follower(gone))!.unsubscribedAt).toBeInstanceOf(Date);
    expect((await follower(gone))!.id).toBe(goneRow.id);
  });

  it("refuses a bad address with a clear message beside the field, keeps what was typed, and writes nothing", async () => {
    for (const bad of ["not-an-email", "", "   ", "a@", `${"x".repeat(250)}@example.com`]) {
      expect(await codeOf(followFund({ fundId, email: bad, locale: "zh" }, { ip: freshIp() }))).toBe("email 400");
    }
    const answer = await post(followRoute, `/funds/${SLUG}/follow`, form({ email: "lychee lover@example" }), FORM);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ fieldErrors: { email: { code: "errors.email" } }, values: { email: "lychee lover@example" } });
    expect(resources.zh.translation.errors.email).toBe("请输入有效的电子邮箱地址。");
    expect(resources.en.translation.errors.email).toBe("Enter a valid email address.");
    const { rows } = await t.sql(
      `SELECT count(*)::int AS n FROM fund_follower WHERE email LIKE '%lychee lover%' OR email = 'not-an-email'`,
    );
    expect(rows[0].n).toBe(0);
    expect(await outboxTo("lychee lover@example")).toHaveLength(0);
  });

  it("changes nothing for a form whose hidden honeypot field was filled", async () => {
    const email = newEmail("bot");
    const answer = await post(followRoute, `/funds/${SLUG}/follow`, form({ email, website: "http://spam.example" }), FORM);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: "bot_detected" } });
    expect(await follower(email)).toBeNull();
    expect(await outboxTo(email)).toHaveLength(0);
  });

  it("limits requests per client address and per mailbox, and a refused one writes nothing", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) await followFund({ fundId, email: newEmail("ip"), locale: "zh" }, { ip });
    const refused = newEmail("ip-over");
    expect(await codeOf(followFund({ fundId, email: refused, locale: "zh" }, { ip }))).toBe("rate_limited 429");
    expect(await follower(refused)).toBeNull();
    expect(await outboxTo(refused)).toHaveLength(0);

    // One mailbox, asked for from many addresses (someone filling a stranger's inbox): 5 an hour.
    const victim = newEmail("victim");
    for (let i = 0; i < 5; i++) await followFund({ fundId: i % 2 ? fundId : otherFundId, email: victim, locale: "zh" }, { ip: freshIp() });
    expect(await codeOf(followFund({ fundId, email: victim, locale: "zh" }, { ip: freshIp() }))).toBe("rate_limited 429");
    expect(await outboxTo(victim)).toHaveLength(5);
  });

  it("keeps its tokens to one purpose each: a confirmation link confirms once, an unsubscribe link only unsubscribes", async () => {
    const email = newEmail("tokens");
    const confirmToken = (await requestFollow(email))!;
    const row = (await follower(email))!;
    // Another fund's address does not take this fund's link.
    expect(await codeOf(confirmFollow(otherFundId, confirmToken))).toBe("follow_confirm_invalid 410");
    // The confirmation token does not unsubscribe.
    expect(await codeOf(unsubscribeFollower(fundId, confirmToken))).toBe("follow_unsubscribe_invalid 410");
    expect(await unsubscribeLinkState(fundId, confirmToken)).toBe("invalid");
    await confirmFollow(fundId, confirmToken);
    // Once.
    expect(await codeOf(confirmFollow(fundId, confirmToken))).toBe("follow_confirm_invalid 410");
    expect(await confirmLinkState(fundId, confirmToken)).toBe("invalid");

    const unsubscribeToken = unsubscribeLinkIn((await alreadyMailOf(email)).text)![2];
    expect(sha256(unsubscribeToken)).toBe(row.unsubscribeTokenHash);
    // The unsubscribe token does not confirm (nor re-confirm after unsubscribing).
    expect(await codeOf(confirmFollow(fundId, unsubscribeToken))).toBe("follow_confirm_invalid 410");
    expect(await codeOf(unsubscribeFollower(otherFundId, unsubscribeToken))).toBe("follow_unsubscribe_invalid 410");
    expect(await unsubscribeLinkState(fundId, unsubscribeToken)).toBe("following");
    await unsubscribeFollower(fundId, unsubscribeToken);
    expect(await codeOf(confirmFollow(fundId, unsubscribeToken))).toBe("follow_confirm_invalid 410");
    expect(await unsubscribeLinkState(fundId, unsubscribeToken)).toBe("unsubscribed");
    // Unsubscribing again is fine and changes nothing.
    const at = (await follower(email))!.unsubscribedAt;
    await unsubscribeFollower(fundId, unsubscribeToken);
    expect((await follower(email))!.unsubscribedAt).toEqual(at);
    for (const made of ["", "short", "A".repeat(43), `${unsubscribeToken}x`]) {
      expect(await codeOf(unsubscribeFollower(fundId, made))).toBe("follow_unsubscribe_invalid 410");
      expect(await codeOf(confirmFollow(fundId, made))).toBe("follow_confirm_invalid 410");
    }
  });
});

/** The "you already follow" mail an address gets when it asks again: a way to read its unsubscribe link in a test. */
async function alreadyMailOf(email: string) {
  await followFund({ fundId, email, locale: "zh" }, { ip: freshIp() });
  return (await outboxTo(email)).at(-1)!;
}

describe("fund notices", () => {
  it("go to confirmed followers only: one who has not confirmed and one who unsubscribed get nothing", async () => {
    const pending = newEmail("pending");
    await requestFollow(pending);
    const confirmed = await confirmedFollower();
    const unsubscribed = await confirmedFollower();
    await unsubscribeFollower(fundId, unsubscribeLinkIn((await alreadyMailOf(unsubscribed)).text)![2]);
    const before = { pending: (await outboxTo(pending)).length, unsubscribed: (await outboxTo(unsubscribed)).length };

    await queue(reviewNotice(await approvedDisbursement()));
    await deliverFundNotices();

    expect(await outboxTo(pending)).toHaveLength(before.pending);
    expect(await outboxTo(unsubscribed)).toHaveLength(before.unsubscribed);
    const [notice] = (await outboxTo(confirmed)).filter((mail) => mail.subject.startsWith("公示"));
    expect(notice).toBeDefined();
  });

  it("write one mail per confirmed follower even when two instances deliver at once", async () => {
    while ((await deliverFundNotices()).notices > 0); // what is already due (a seeded shop's notices) out of the way
    const followers = await Promise.all([confirmedFollower(), confirmedFollower(), confirmedFollower()]);
    const disbursementId = await approvedDisbursement({ village: "石塘村" });
    await queue(reviewNotice(disbursementId));
    await queue(reviewNotice(disbursementId)); // the same event queued twice is one notice
    const results = await Promise.all([deliverFundNotices(), deliverFundNotices(), deliverFundNotices()]);
    expect(results.reduce((sum, result) => sum + result.notices, 0)).toBe(1);
    await deliverFundNotices();
    for (const email of followers) {
      expect((await outboxTo(email)).filter((mail) => mail.subject.includes("石塘村"))).toHaveLength(1);
    }
    const { rows } = await t.sql(`SELECT sent_at FROM fund_notice WHERE disbursement_id = $1`, [disbursementId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].sent_at).toBeInstanceOf(Date);
  });

  it("say what opened for review and which report was published, in each follower's language, with the unsubscribe link and headers in every mail", async () => {
    const zh = await confirmedFollower(newEmail("zh"), "zh");
    const en = await confirmedFollower(newEmail("en"), "en");
    const disbursementId = await approvedDisbursement({ village: "平山村", amountMinor: 250050n });
    const report = await publishedReport();
    await queue(reviewNotice(disbursementId));
    await queue({ fundId, kind: "report_published", reportId: report.id });
    await deliverFundNotices();

    const noticesOf = async (email: string) =>
      (await outboxTo(email)).filter(
        (mail) => mail.text.includes("/unsubscribe?token=") && !mail.subject.includes("已经") && !mail.subject.includes("already"),
      );
    const [zhReview, zhReport] = await noticesOf(zh);
    expect(zhReview.subject).toBe("公示：「荔乡电商扶贫发展资金池」拟向平山村拨款 ¥2,500.50");
    expect(zhReview.text).toContain("项目：荔枝冷链");
    expect(zhReview.text).toContain(`公示截止：${chinaTime(new Date("2026-12-07T06:00:00Z"))}（北京时间）`);
    expect(chinaTime(new Date("2026-12-07T06:00:00Z"))).toBe("2026-12-07 14:00");
    expect(zhReview.text).toContain(`http://shop.test/funds/${SLUG}/disbursements/${disbursementId}`);
    expect(zhReport.subject).toBe(`「荔乡电商扶贫发展资金池」${report.key} 报告已发布`);
    expect(zhReport.text).toContain(`http://shop.test/funds/${SLUG}/reports/${report.key}`);

    const [enReview, enReport] = await noticesOf(en);
    expect(enReview.subject).toBe("In public review: Lychee-town e-commerce poverty-relief development fund plans ¥2,500.50 for 平山村");
    expect(enReview.text).toContain("Review closes: 2026-12-07 14:00 (China time)");
    expect(enReview.text).not.toContain("公示");
    expect(enReport.text).toContain(`http://shop.test/funds/${SLUG}/reports/${report.key}`);

    for (const mail of [zhReview, zhReport, enReview, enReport]) {
      const link = unsubscribeLinkIn(mail.text)!;
      expect(link[1]).toMatch(new RegExp(`^http://shop\\.test/funds/${SLUG}/unsubscribe\\?token=`));
      expect(mail.headers).toEqual({ "List-Unsubscribe": `<${link[1]}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
    }

    // Sent as files (no SMTP here): the header lines are in the message written.
    await deliverQueuedMail(new Date(Date.now() + 1000), 500);
    const written = readMailbox(en).filter((mail) => mail.headers["List-Unsubscribe"]);
    expect(written.length).toBeGreaterThanOrEqual(2);
    for (const mail of written) {
      expect(mail.headers["List-Unsubscribe"]).toBe(`<${unsubscribeLinkIn(mail.text)![1]}>`);
      expect(mail.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    }

    // The link works: one click, and that follower gets nothing more.
    await unsubscribeFollower(fundId, unsubscribeLinkIn(enReview.text)![2]);
    await queue(reviewNotice(await approvedDisbursement({ village: "新圩村" })));
    await deliverFundNotices();
    expect((await outboxTo(en)).filter((mail) => mail.subject.includes("新圩村"))).toHaveLength(0);
    expect((await outboxTo(zh)).filter((mail) => mail.subject.includes("新圩村"))).toHaveLength(1);
  });

  it("are closed without mail when the disbursement was cancelled before the sweep came round", async () => {
    const email = await confirmedFollower();
    const disbursementId = await approvedDisbursement({ village: "已撤销村", status: "cancelled" });
    await queue(reviewNotice(disbursementId));
    await deliverFundNotices();
    expect((await outboxTo(email)).filter((mail) => mail.subject.includes("已撤销村"))).toHaveLength(0);
    const { rows } = await t.sql(`SELECT sent_at FROM fund_notice WHERE disbursement_id = $1`, [disbursementId]);
    expect(rows[0].sent_at).toBeInstanceOf(Date);
  });

  it("carry working unsubscribe links after ENCRYPTION_KEY was changed", async () => {
    const email = await confirmedFollower();
    const oldToken = unsubscribeLinkIn((await alreadyMailOf(email)).text)![2];
    const before = config();
    setConfig({ ...before, encryptionKey: "another-encryption-key-another-encryption-key" });
    try {
      await queue(reviewNotice(await approvedDisbursement({ village: "换钥村" })));
      await deliverFundNotices();
      const mail = (await outboxTo(email)).find((m) => m.subject.includes("换钥村"))!;
      const newToken = unsubscribeLinkIn(mail.text)![2];
      expect(newToken).not.toBe(oldToken);
      expect(await unsubscribeLinkState(fundId, newToken)).toBe("following");
    } finally {
      setConfig(before);
    }
  });
});

describe("one-click unsubscribe (RFC 8058)", () => {
  it("works as a bare POST of List-Unsubscribe=One-Click to the link: no session, no form token, multipart or urlencoded", async () => {
    for (const encoding of ["multipart", "urlencoded"] as const) {
      const email = await confirmedFollower();
      const link = new URL(unsubscribeLinkIn((await alreadyMailOf(email)).text)![1]);
      const body = encoding === "multipart" ? oneClickMultipart() : form({ "List-Unsubscribe": "One-Click" });
      const answer = await post(unsubscribeRoute, `${link.pathname}${link.search}`, body, encoding === "multipart" ? {} : FORM);
      expect(answer).toEqual({ status: 200, body: { unsubscribed: true } });
      expect((await follower(email))!.unsubscribedAt).toBeInstanceOf(Date);
    }
    const refused = await post(
      unsubscribeRoute,
      `/funds/${SLUG}/unsubscribe?token=${"B".repeat(43)}`,
      form({ "List-Unsubscribe": "One-Click" }),
      FORM,
    );
    expect(refused.status).toBe(410);
  });
});

function oneClickMultipart() {
  const body = new FormData();
  body.set("List-Unsubscribe", "One-Click");
  return body;
}

describe("mail headers over SMTP", () => {
  it("reach the message nodemailer sends", async () => {
    const smtp = await fakeSmtp();
    const before = config();
    setConfig({ ...before, smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
    try {
      const email = await confirmedFollower();
      await queue(reviewNotice(await approvedDisbursement({ village: "邮件村" })));
      await deliverFundNotices();
      await deliverQueuedMail(new Date(Date.now() + 1000), 500);
      // Long header lines come folded (RFC 5322): unfold before reading them.
      const message = smtp.messages
        .map((m) => m.replace(/\r\n[ \t]+/g, " "))
        .find((m) => m.includes(`To: ${email}`) && m.includes("List-Unsubscribe-Post"))!;
      expect(message).toMatch(
        /^List-Unsubscribe: <http:\/\/shop\.test\/funds\/lychee-town-relief\/unsubscribe\?token=[A-Za-z0-9_-]{43}>\r?$/m,
      );
      expect(message).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    } finally {
      setConfig(before);
      await smtp.close();
    }
  });
});

/** Enough of an SMTP server to take messages (no TLS, no auth): each message's raw DATA. */
async function fakeSmtp() {
  const messages: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffer = "";
    let inData = false;
    socket.write("220 fake ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end === -1) return;
          messages.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write("250 OK\r\n");
          continue;
        }
        const lineEnd = buffer.indexOf("\r\n");
        if (lineEnd === -1) return;
        const line = buffer.slice(0, lineEnd).toUpperCase();
        buffer = buffer.slice(lineEnd + 2);
        if (line.startsWith("EHLO") || line.startsWith("HELO")) socket.write("250 fake\r\n");
        else if (line.startsWith("DATA")) {
          inData = true;
          socket.write("354 go\r\n");
        } else if (line.startsWith("QUIT")) socket.end("221 bye\r\n");
        else socket.write("250 OK\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
