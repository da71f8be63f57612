// Outgoing mail. With SMTP_URL set it goes through SMTP; without it (the
// embedded default, and tests) each message is written as a file in
// HARVEST_MAIL_DIR (.data/mail) and its first link is logged, so a local shop
// works with no mail server and tests can read what was sent.
//
// Account mail (resets, invitations, address checks) goes through the outbox
// (mail_outbox): queueMail writes it in the caller's transaction, and the
// background sender delivers it after the response, with retries. So no
// request waits on a mail server, and an answer's timing does not tell
// whether a message was sent.
import fs from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";

/**
 * `headers`: extra header lines, e.g. List-Unsubscribe and List-Unsubscribe-Post
 * on a fund follower's mail (RFC 8058). Names and values are the shop's own
 * constants and URLs, never typed by a visitor (a line break would add a header).
 */
export type Mail = { to: string; subject: string; text: string; headers?: Record<string, string> };
export type MailTransport = (mail: Mail) => Promise<void>;

let smtp: nodemailer.Transporter | undefined;
let written = 0;
let transportOverride: MailTransport | undefined;

/** Tests replace delivery (a slow or failing mail server); undefined restores the real one. */
export function setMailTransport(transport: MailTransport | undefined) {
  transportOverride = transport;
}

/** Delivers one message now (SMTP or a file). Prefer queueMail in request handlers. */
export async function sendMail(mail: Mail): Promise<void> {
  if (transportOverride) return transportOverride(mail);
  const { smtpUrl, mailFrom, mailDir } = config();
  const headers = safeHeaders(mail.headers);
  if (smtpUrl) {
    smtp ??= nodemailer.createTransport(smtpUrl);
    await smtp.sendMail({
      from: mailFrom,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    });
    return;
  }
  fs.mkdirSync(mailDir, { recursive: true });
  // The counter keeps two messages of one millisecond apart, in order.
  const stamp = `${new Date().toISOString().replace(/[:.]/g, "-")}-${String(++written % 1e6).padStart(6, "0")}`;
  const file = path.join(mailDir, `${stamp}-${mail.to.replace(/[^a-z0-9@.-]/gi, "_")}.txt`);
  const extra = headers.map(([name, value]) => `${name}: ${value}\n`).join("");
  fs.writeFileSync(file, `From: ${mailFrom}\nTo: ${mail.to}\nSubject: ${mail.subject}\n${extra}\n${mail.text}\n`);
  // Locally the link is printed for convenience; in production a one-time
  // link in a log would let whoever reads the logs take over the account.
  const link = config().isProduction ? undefined : /https?:\/\/\S+/.exec(mail.text)?.[0];
  console.log(`[harvest-share] mail to ${mail.to} written to ${file}${link ? ` (link: ${link})` : ""}`);
}

/** Header lines fit to write: a name of letters, digits and dashes, a value without line breaks (else the line is dropped). */
function safeHeaders(headers: Record<string, string> | undefined): [string, string][] {
  return Object.entries(headers ?? {}).filter(([name, value]) => /^[A-Za-z0-9-]+$/.test(name) && !/[\r\n]/.test(value));
}

/** The headers stored with an outbox row (a JSON object of strings), or undefined. */
function storedHeaders(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string");
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Puts a message in the outbox, inside the caller's transaction when given: it is sent only if that commits. */
export async function queueMail(mail: Mail, tx?: DbTransaction): Promise<void> {
  await (tx ?? db()).mailOutbox.create({ data: outboxRow(mail) });
}

/** The outbox row of a message (its headers as JSON, or none). */
export function outboxRow(mail: Mail) {
  return { to: mail.to, subject: mail.subject, text: mail.text, ...(mail.headers ? { headers: mail.headers } : {}) };
}

const MAX_ATTEMPTS = 10;
const LEASE_MS = 5 * 60_000;
/** 30 s, 1 min, 2 min … capped at an hour. */
export const retryDelayMs = (attempts: number) => Math.min(60 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1));

type OutboxRow = { id: bigint; to: string; subject: string; text: string; headers: unknown; attempts: number };

/**
 * Sends what is due in the outbox. Rows are claimed with SKIP LOCKED and a
 * lease, so several app instances never send one message twice at once; a
 * sent message is deleted (its one-time link must not linger), a failed one
 * is tried again later, and given up after MAX_ATTEMPTS (kept, with its error).
 */
export async function deliverQueuedMail(now = new Date(), batch = 20): Promise<{ sent: number; failed: number }> {
  const claimed = await db().$queryRaw<OutboxRow[]>`
    UPDATE mail_outbox SET next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM mail_outbox WHERE failed_at IS NULL AND next_attempt_at <= ${now}
      ORDER BY id LIMIT ${batch} FOR UPDATE SKIP LOCKED
    )
    RETURNING id, "to", subject, text, headers, attempts`;
  let sent = 0;
  let failed = 0;
  for (const row of claimed.sort((a, b) => Number(a.id - b.id))) {
    try {
      await sendMail({ to: row.to, subject: row.subject, text: row.text, headers: storedHeaders(row.headers) });
      await db().mailOutbox.delete({ where: { id: row.id } });
      sent++;
    } catch (error) {
      failed++;
      const message = error instanceof Error ? error.message : String(error);
      await db().mailOutbox.update({
        where: { id: row.id },
        data: {
          lastError: message.slice(0, 500),
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(row.attempts)),
          failedAt: row.attempts >= MAX_ATTEMPTS ? now : null,
        },
      });
      // A failure that will be retried is a warning; giving up is an error someone must see.
      const log = row.attempts >= MAX_ATTEMPTS ? console.error : console.warn;
      log(`[harvest-share] mail to ${row.to} failed (attempt ${row.attempts} of ${MAX_ATTEMPTS}): ${message}`);
    }
  }
  return { sent, failed };
}

type Sender = { timer: NodeJS.Timeout; running: Promise<unknown> | null; again: boolean; run: () => void };

// On globalThis: server.ts starts the sender from the source modules while
// request handlers run inside the Remix build, which has its own copy of this
// module; a kick from either must reach the one sender.
const SENDER = Symbol.for("harvest-share.mail-sender");
const holder = globalThis as typeof globalThis & { [SENDER]?: Sender };

/** The background sender of the server: polls the outbox (mail queued by other instances too) and sends on a kick. */
export function startMailSender(everyMs = 5000) {
  if (holder[SENDER]) return;
  const sender: Sender = {
    timer: setInterval(() => sender.run(), everyMs),
    running: null,
    again: false,
    run: () => {
      if (holder[SENDER] !== sender) return;
      if (sender.running) {
        sender.again = true;
        return;
      }
      sender.running = deliverQueuedMail()
        .catch((error) => console.error("[harvest-share] mail sender failed:", error))
        .finally(() => {
          sender.running = null;
          if (sender.again) {
            sender.again = false;
            sender.run();
          }
        });
    },
  };
  sender.timer.unref();
  holder[SENDER] = sender;
}

export async function stopMailSender() {
  const sender = holder[SENDER];
  if (!sender) return;
  clearInterval(sender.timer);
  delete holder[SENDER];
  await sender.running;
}

/** After a transaction that queued mail has committed: send it soon, without the request waiting. */
export function kickMailSender() {
  const sender = holder[SENDER];
  if (sender) setImmediate(sender.run);
}

/** Messages written to the mail folder for `to`, newest last (for tests and local use), with their extra header lines. */
export function readMailbox(to: string): { subject: string; text: string; headers: Record<string, string> }[] {
  const dir = config().mailDir;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name), "utf8"))
    .filter((raw) => raw.includes(`\nTo: ${to}\n`))
    .map((raw) => {
      const [head, ...body] = raw.split("\n\n");
      const lines = head.split("\n").map((line) => /^([A-Za-z0-9-]+): (.*)$/.exec(line));
      const headers = Object.fromEntries(
        lines.filter((m) => m !== null && !["From", "To", "Subject"].includes(m[1])).map((m) => [m![1], m![2]]),
      );
      return { subject: /Subject: (.*)/.exec(head)?.[1] ?? "", text: body.join("\n\n"), headers };
    });
}
