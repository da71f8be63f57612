// Outgoing mail. With SMTP_URL set it goes through SMTP; without it (the
// embedded default, and tests) each message is written as a file in
// HARVEST_MAIL_DIR (.data/mail) and its first link is logged, so a local shop
// works with no mail server and tests can read what was sent.
import fs from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
import { config } from "~/modules/config/env.server";

export type Mail = { to: string; subject: string; text: string };

let transport: nodemailer.Transporter | undefined;

export async function sendMail(mail: Mail): Promise<void> {
  const { smtpUrl, mailFrom, mailDir } = config();
  if (smtpUrl) {
    transport ??= nodemailer.createTransport(smtpUrl);
    await transport.sendMail({ from: mailFrom, ...mail });
    return;
  }
  fs.mkdirSync(mailDir, { recursive: true });
  const file = path.join(mailDir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${mail.to.replace(/[^a-z0-9@.-]/gi, "_")}.txt`);
  fs.writeFileSync(file, `From: ${mailFrom}\nTo: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}\n`);
  // Locally the link is printed for convenience; in production a one-time
  // link in a log would let whoever reads the logs take over the account.
  const link = config().isProduction ? undefined : /https?:\/\/\S+/.exec(mail.text)?.[0];
  console.log(`[harvest-share] mail to ${mail.to} written to ${file}${link ? ` (link: ${link})` : ""}`);
}

/** Messages written to the mail folder for `to`, newest last (for tests and local use). */
export function readMailbox(to: string): { subject: string; text: string }[] {
  const dir = config().mailDir;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name), "utf8"))
    .filter((raw) => raw.includes(`\nTo: ${to}\n`))
    .map((raw) => {
      const [head, ...body] = raw.split("\n\n");
      return { subject: /Subject: (.*)/.exec(head)?.[1] ?? "", text: body.join("\n\n") };
    });
}
