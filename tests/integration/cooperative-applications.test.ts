// Applying to join and vetting, against PostgreSQL: what is stored (the
// payout account only encrypted), what bad input changes (nothing), and that
// each decision happens once, also when two admins decide at the same time.
import { beforeAll, describe, expect, it } from "vitest";
import { pruneRateLimits } from "~/modules/accounts/rate-limit.server";
import { getListedProduct, listListedProducts } from "~/modules/catalog/catalog.server";
import {
  applicationsOf,
  applicationsSharingCode,
  editApplication,
  openBankAccount,
  submitApplication,
  type ApplicationSubmission,
} from "~/modules/cooperatives/applications.server";
import { inviteMember, listMembers } from "~/modules/cooperatives/members.server";
import {
  approveApplication,
  rejectApplication,
  reinstateCooperative,
  requestChanges,
  suspendCooperative,
} from "~/modules/cooperatives/vetting.server";
import { type UserError } from "~/modules/errors/user-error";
import { EVIDENCE_MAX_BYTES } from "~/modules/ledger/disbursement-views.server";
import { applicationForm, BANK_ACCOUNT, licencePng, licenceUpload, withWrongCheckCharacter } from "../support/applications";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const client = { origin: "http://shop.test", ip: "203.0.113.9" };

let adminId: string;
let fundId: string;
beforeAll(async () => {
  adminId = (await createUser(t.db, { totp: true })).id;
  await t.db.roleAssignment.create({ data: { userId: adminId, role: "admin" } });
  fundId = (await t.db.fund.findUniqueOrThrow({ where: { slug: "fenxi-rural-revival" } })).id;
});

async function submission(
  form: Record<string, string> = {},
  documents?: ApplicationSubmission["documents"],
): Promise<ApplicationSubmission> {
  return { form: applicationForm(form), documents: documents ?? [await licenceUpload()], locale: "zh" };
}

async function submitted(form: Record<string, string> = {}) {
  const applicant = await createUser(t.db);
  const result = await submitApplication(applicant.id, await submission(form));
  if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
  return { applicant, id: result.id };
}

const counts = async () => ({
  applications: await t.db.cooperativeApplication.count(),
  documents: await t.db.applicationDocument.count(),
  cooperatives: await t.db.cooperative.count(),
  villages: await t.db.village.count(),
  members: await t.db.roleAssignment.count({ where: { role: "cooperative_member" } }),
});

describe("applying to join", () => {
  it("stores a valid application with its licence, the bank account encrypted and shown only masked", async () => {
    const { applicant, id } = await submitted();
    const [raw] = (await t.sql("SELECT * FROM cooperative_application WHERE id = $1", [id])).rows;
    const digits = BANK_ACCOUNT.replace(/\s/g, "");
    expect(JSON.stringify(raw)).not.toContain(digits);
    expect(JSON.stringify(raw)).not.toContain(digits.slice(0, 12));
    expect(raw.bank_account_last4).toBe("4567");
    expect(openBankAccount(applicant.id, raw.bank_account_enc)).toBe(digits);
    // Sealed for this applicant: the same value does not open as someone else's.
    expect(() => openBankAccount(adminId, raw.bank_account_enc)).toThrow();

    const [mine] = await applicationsOf(applicant.id);
    expect(mine).toMatchObject({ id, status: "submitted", bankAccountMasked: "**** 4567", proposedVillage: "白衣新村" });
    expect(JSON.stringify(mine)).not.toContain(digits);
    expect(mine).not.toHaveProperty("bankAccountEnc");
    expect(mine.documents).toEqual([expect.objectContaining({ kind: "licence", filename: "licence.png", contentType: "image/png" })]);
    const stored = await t.db.applicationDocument.findFirstOrThrow({ where: { applicationId: id } });
    expect(Buffer.from(stored.data).equals(await licencePng())).toBe(true);
    expect(await t.db.auditEvent.count({ where: { kind: "application_submitted", actorUserId: applicant.id } })).toBe(1);
  });

  const png = () => licencePng();
  const badCases: [string, () => Promise<ApplicationSubmission>, string, string | RegExp][] = [
    [
      "a credit code with a wrong check digit",
      async () => submission({ creditCode: withWrongCheckCharacter(applicationForm().creditCode) }),
      "creditCode",
      "errors.credit_code_check_digit",
    ],
    ["an empty Chinese name", async () => submission({ nameZh: "" }), "nameZh", "errors.application_name_zh"],
    ["no licence", async () => submission({}, []), "licence", "errors.application_licence_required"],
    [
      "a licence that is text renamed .jpg",
      async () =>
        submission({}, [
          { kind: "licence", filename: "licence.jpg", contentType: "image/jpeg", data: Buffer.from("<html>not a photo</html>") },
        ]),
      "licence",
      "errors.evidence_type",
    ],
    [
      "an SVG licence",
      async () =>
        submission({}, [
          {
            kind: "licence",
            filename: "licence.svg",
            contentType: "image/svg+xml",
            data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
          },
        ]),
      "licence",
      "errors.evidence_type",
    ],
    [
      "an oversize licence",
      async () =>
        submission({}, [
          {
            kind: "licence",
            filename: "big.png",
            contentType: "image/png",
            data: Buffer.concat([await png(), Buffer.alloc(EVIDENCE_MAX_BYTES)]),
          },
        ]),
      "licence",
      "errors.evidence_too_large",
    ],
    [
      "too many files",
      async () => submission({}, await Promise.all(Array.from({ length: 6 }, (_, i) => licenceUpload(`licence-${i}.png`)))),
      "licence",
      "errors.evidence_too_many",
    ],
    [
      "a certification that is not a PDF or an image",
      async () =>
        submission({}, [
          await licenceUpload(),
          { kind: "certification", filename: "cert.pdf", contentType: "application/pdf", data: Buffer.from("MZ executable") },
        ]),
      "certification",
      "errors.evidence_type",
    ],
  ];
  for (const [what, make, field, code] of badCases) {
    it(`refuses ${what} at its field and changes nothing`, async () => {
      const applicant = await createUser(t.db);
      const before = await counts();
      const result = await submitApplication(applicant.id, await make());
      expect(result.ok).toBe(false);
      const error = !result.ok ? result.fieldErrors[field] : undefined;
      expect(typeof error === "string" ? error : error?.code).toEqual(code);
      expect(await counts()).toEqual(before);
    });
  }

  it("refuses an applicant whose email is not confirmed, and a second open application", async () => {
    const unverified = await createUser(t.db, { verified: false });
    const refused = await submitApplication(unverified.id, await submission()).catch((e: unknown) => e);
    expect((refused as UserError).code).toBe("application_email_unverified");
    const { applicant } = await submitted();
    const again = await submitApplication(applicant.id, await submission()).catch((e: unknown) => e);
    expect((again as UserError).code).toBe("application_open_exists");
    expect(await t.db.cooperativeApplication.count({ where: { applicantId: { in: [unverified.id, applicant.id] } } })).toBe(1);
  });
});

describe("vetting", () => {
  it("approval creates exactly one cooperative, its village, fund, first member and audit event, also when two admins approve at once", async () => {
    const { applicant, id } = await submitted();
    const secondAdmin = await createUser(t.db, { totp: true });
    await t.db.roleAssignment.create({ data: { userId: secondAdmin.id, role: "admin" } });
    const before = await counts();
    const results = await Promise.allSettled([
      approveApplication(adminId, id, { fundId }, client),
      approveApplication(secondAdmin.id, id, { fundId }, client),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refusal = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refusal.reason as UserError).code).toBe("application_already_decided");
    expect(await counts()).toEqual({
      ...before,
      cooperatives: before.cooperatives + 1,
      villages: before.villages + 1,
      members: before.members + 1,
    });

    const application = await t.db.cooperativeApplication.findUniqueOrThrow({ where: { id } });
    const cooperative = await t.db.cooperative.findUniqueOrThrow({ where: { id: application.cooperativeId! }, include: { village: true } });
    expect(application.status).toBe("approved");
    expect(cooperative).toMatchObject({
      status: "approved",
      fundId,
      nameZh: "白衣村牲畜养殖专业合作社",
      slug: expect.stringMatching(/^baiyi-village-livestock-cooperative/),
      creditCode: application.creditCode,
      households: 42,
      bankAccountEnc: application.bankAccountEnc,
      bankAccountLast4: "4567",
    });
    expect(cooperative.approvedAt).toBeInstanceOf(Date);
    expect(cooperative.village).toMatchObject({ nameZh: "白衣新村", countyZh: "汾西县", provinceZh: "山西省", provinceEn: "Shanxi" });
    expect(cooperative.village.slug).toMatch(/^village-[0-9a-f]{8}$/);
    const membership = await t.db.roleAssignment.findFirstOrThrow({ where: { userId: applicant.id, role: "cooperative_member" } });
    expect(membership.cooperativeId).toBe(cooperative.id);
    expect([adminId, secondAdmin.id]).toContain(membership.grantedById);
    expect(await t.db.auditEvent.count({ where: { kind: "application_approved", subjectUserId: applicant.id } })).toBe(1);
    const mail = await t.db.mailOutbox.findFirstOrThrow({ where: { to: applicant.email }, orderBy: { id: "desc" } });
    expect(mail.text).toContain(`/coop/${cooperative.slug}`);
    expect(mail.subject).toContain("通过");
  });

  it("applications with the same English name approved at once all become cooperatives, with different addresses", async () => {
    const name = { nameEn: "Twin Ridge Tea Cooperative" };
    const applications = [];
    for (let i = 0; i < 4; i++) applications.push(await submitted(name));
    const cooperatives = await Promise.all(applications.map(({ id }) => approveApplication(adminId, id, { fundId }, client)));
    const slugs = cooperatives.map((cooperative) => cooperative.slug);
    expect(new Set(slugs).size).toBe(4);
    expect(slugs).toContain("twin-ridge-tea-cooperative");
    expect(await t.db.cooperative.count({ where: { slug: { startsWith: "twin-ridge-tea-cooperative" } } })).toBe(4);
  });

  it("uses a chosen village instead of creating one", async () => {
    const baiyi = await t.db.village.findUniqueOrThrow({ where: { slug: "baiyi" } });
    const { id } = await submitted({ villageId: baiyi.id, villageName: "", town: "", county: "", province: "" });
    const villages = await t.db.village.count();
    const cooperative = await approveApplication(adminId, id, { fundId }, client);
    expect(cooperative.villageId).toBe(baiyi.id);
    expect(await t.db.village.count()).toBe(villages);
  });

  it("asks for changes; the applicant edits, the application is submitted again; nobody else can edit it", async () => {
    const { applicant, id } = await submitted({});
    const missing = await requestChanges(adminId, id, "  ").catch((e: unknown) => e);
    expect((missing as UserError).code).toBe("application_message_required");
    expect((await t.db.cooperativeApplication.findUniqueOrThrow({ where: { id } })).status).toBe("submitted");

    await requestChanges(adminId, id, "营业执照照片看不清，请重新上传。", client);
    const [asked] = await applicationsOf(applicant.id);
    expect(asked).toMatchObject({ status: "changes_requested", reviewMessage: "营业执照照片看不清，请重新上传。" });
    expect(await t.db.auditEvent.count({ where: { kind: "application_changes_requested", subjectUserId: applicant.id } })).toBe(1);
    expect((await t.db.mailOutbox.findFirstOrThrow({ where: { to: applicant.email }, orderBy: { id: "desc" } })).text).toContain(
      "营业执照照片看不清",
    );

    const stranger = await createUser(t.db);
    const edit = {
      form: applicationForm({ households: "50", bankAccount: "" }),
      documents: [await licenceUpload("clear.png")],
      locale: "en" as const,
    };
    const foreign = await editApplication(stranger.id, id, edit).catch((e: unknown) => e);
    expect((foreign as UserError).status).toBe(404);

    const old = asked.documents[0].id;
    const result = await editApplication(applicant.id, id, { ...edit, removeDocumentIds: [old] });
    expect(result.ok).toBe(true);
    const [again] = await applicationsOf(applicant.id);
    expect(again).toMatchObject({ status: "submitted", households: 50, bankAccountMasked: "**** 4567" });
    expect(again.documents.map((d) => d.filename)).toEqual(["clear.png"]);
    // A blank account field kept the account on file.
    const row = await t.db.cooperativeApplication.findUniqueOrThrow({ where: { id } });
    expect(openBankAccount(applicant.id, row.bankAccountEnc)).toBe(BANK_ACCOUNT.replace(/\s/g, ""));
    expect(row.locale).toBe("en");

    // Submitted again: not editable until an admin asks again.
    const notNow = await editApplication(applicant.id, id, edit).catch((e: unknown) => e);
    expect((notNow as UserError).code).toBe("application_not_editable");
  });

  it("an edit that removes the last licence is refused and changes nothing", async () => {
    const { applicant, id } = await submitted();
    await requestChanges(adminId, id, "请补充扶贫认定材料。", client);
    const [asked] = await applicationsOf(applicant.id);
    const result = await editApplication(applicant.id, id, {
      form: applicationForm({ bankAccount: "" }),
      documents: [],
      locale: "zh",
      removeDocumentIds: [asked.documents[0].id],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.fieldErrors.licence).toBe("errors.application_licence_required");
    const [still] = await applicationsOf(applicant.id);
    expect(still.status).toBe("changes_requested");
    expect(still.documents).toHaveLength(1);
  });

  it("rejects only with a reason, which the applicant sees, and they may apply again", async () => {
    const { applicant, id } = await submitted();
    const missing = await rejectApplication(adminId, id, "").catch((e: unknown) => e);
    expect((missing as UserError).code).toBe("application_reason_required");
    await rejectApplication(adminId, id, "统一社会信用代码与营业执照不符。", client);
    const [rejected] = await applicationsOf(applicant.id);
    expect(rejected).toMatchObject({ status: "rejected", reviewMessage: "统一社会信用代码与营业执照不符。", cooperative: null });
    expect(await t.db.auditEvent.count({ where: { kind: "application_rejected", subjectUserId: applicant.id } })).toBe(1);
    const approving = await approveApplication(adminId, id, { fundId }).catch((e: unknown) => e);
    expect((approving as UserError).code).toBe("application_already_decided");
    expect((await submitApplication(applicant.id, await submission())).ok).toBe(true);
  });
});

describe("a credit code in more than one application", () => {
  it("does not let a throwaway application hold a real cooperative's code: both wait, the admin sees them side by side, one is approved", async () => {
    const squatter = await submitted();
    const code = (await t.db.cooperativeApplication.findUniqueOrThrow({ where: { id: squatter.id } })).creditCode;
    // The real cooperative applies with its own code, which the squatter typed first.
    const real = await submitted({ creditCode: code, nameZh: "白衣村真合作社" });
    expect(await applicationsSharingCode(real.id, code)).toEqual([expect.objectContaining({ id: squatter.id, status: "submitted" })]);

    await approveApplication(adminId, real.id, { fundId }, client);
    // Once a cooperative holds the code, the other application cannot become a second one, and new ones are refused at the field.
    await expect(approveApplication(adminId, squatter.id, { fundId }, client)).rejects.toMatchObject({
      code: "application_credit_code_taken",
    });
    const before = await counts();
    const third = await submitApplication((await createUser(t.db)).id, await submission({ creditCode: code }));
    expect(third).toEqual({ ok: false, fieldErrors: { creditCode: "errors.application_credit_code_taken" } });
    expect(await counts()).toEqual(before);
  });
});

describe("suspension and members", () => {
  it("a suspended cooperative's products leave the shop at once, its members cannot invite; reinstating brings both back", async () => {
    const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const member = await createUser(t.db);
    await t.db.roleAssignment.create({ data: { userId: member.id, role: "cooperative_member", cooperativeId: lychee.id } });
    expect(await getListedProduct("lingshan-lychee")).not.toBeNull();

    const noReason = await suspendCooperative(adminId, lychee.id, "").catch((e: unknown) => e);
    expect((noReason as UserError).code).toBe("suspend_reason_required");
    await suspendCooperative(adminId, lychee.id, "食品安全抽检不合格，整改期间暂停。", client);
    const suspended = await t.db.cooperative.findUniqueOrThrow({ where: { id: lychee.id } });
    expect(suspended).toMatchObject({ status: "suspended", suspendReason: "食品安全抽检不合格，整改期间暂停。" });
    expect(suspended.suspendedAt).toBeInstanceOf(Date);
    expect(await getListedProduct("lingshan-lychee")).toBeNull();
    expect((await listListedProducts()).some((p) => p.product.cooperativeId === lychee.id)).toBe(false);
    const invite = await inviteMember(member.id, lychee.id, "helper@example.com", client).catch((e: unknown) => e);
    expect((invite as UserError).code).toBe("cooperative_suspended_invite");
    expect(await t.db.user.findUnique({ where: { email: "helper@example.com" } })).toBeNull();
    expect(await t.db.auditEvent.count({ where: { kind: "cooperative_suspended", actorUserId: adminId } })).toBe(1);

    await reinstateCooperative(adminId, lychee.id, client);
    expect(await t.db.cooperative.findUniqueOrThrow({ where: { id: lychee.id } })).toMatchObject({
      status: "approved",
      suspendedAt: null,
      suspendReason: null,
    });
    expect(await getListedProduct("lingshan-lychee")).not.toBeNull();
    expect((await listListedProducts()).some((p) => p.product.cooperativeId === lychee.id)).toBe(true);
    await inviteMember(member.id, lychee.id, "helper@example.com", client);
    expect(await t.db.auditEvent.count({ where: { kind: "cooperative_reinstated", actorUserId: adminId } })).toBe(1);
  });

  it("the 11th invitation within the hour is refused with a message, mails nobody and creates no account; a member is not invited twice", async () => {
    const duck = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck" } });
    const member = await createUser(t.db);
    await t.db.roleAssignment.create({ data: { userId: member.id, role: "cooperative_member", cooperativeId: duck.id } });
    for (let i = 1; i <= 10; i++) await inviteMember(member.id, duck.id, `burst${i}@example.com`, client);
    const mailBefore = await t.db.mailOutbox.count();
    const usersBefore = await t.db.user.count();

    const refused = (await inviteMember(member.id, duck.id, "burst11@example.com", client).catch((e: unknown) => e)) as UserError;
    expect(refused.code).toBe("invite_rate_limited");
    expect(refused.status).toBe(429);
    expect(refused.params).toMatchObject({ perMember: 10, perCooperative: 30 });
    expect(Number(refused.params.minutes)).toBeGreaterThan(0);
    expect(Number(refused.params.minutes)).toBeLessThanOrEqual(60);
    expect(await t.db.user.findUnique({ where: { email: "burst11@example.com" } })).toBeNull();
    expect(await t.db.mailOutbox.count()).toBe(mailBefore);
    expect(await t.db.user.count()).toBe(usersBefore);

    // Someone already in the cooperative is told so, and gets no mail.
    const already = (await inviteMember(member.id, duck.id, member.email.toUpperCase(), client).catch((e: unknown) => e)) as UserError;
    expect(already.code).toBe("invite_already_member");
    expect(await t.db.mailOutbox.count()).toBe(mailBefore);
  });

  it("a cooperative's members together send at most 30 invitations a day", async () => {
    const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    await t.db.rateLimitBucket.deleteMany({ where: { key: { startsWith: "invite:" } } });
    const members = await Promise.all([1, 2, 3, 4].map(() => createUser(t.db)));
    for (const m of members)
      await t.db.roleAssignment.create({ data: { userId: m.id, role: "cooperative_member", cooperativeId: lychee.id } });
    for (let i = 0; i < 30; i++) await inviteMember(members[i % 4].id, lychee.id, `village${i}@example.com`, client);
    const refused = (await inviteMember(members[3].id, lychee.id, "village30@example.com", client).catch((e: unknown) => e)) as UserError;
    expect(refused.code).toBe("invite_rate_limited");
    expect(await t.db.user.findUnique({ where: { email: "village30@example.com" } })).toBeNull();
    // The server's sweeper two hours on must not forget the day's count (while that day's window lasts: the
    // windows are UTC days, so after 22:00 UTC "two hours on" is the next day, whose count starts afresh).
    const dayEnds = Math.ceil((Date.now() + 1) / 86_400_000) * 86_400_000;
    await pruneRateLimits(new Date(Math.min(Date.now() + 2 * 60 * 60 * 1000, dayEnds - 1000)));
    const later = (await inviteMember(members[0].id, lychee.id, "village31@example.com", client).catch((e: unknown) => e)) as UserError;
    expect(later.code).toBe("invite_rate_limited");
  });

  it("an invitation grants membership of the inviter's cooperative only, once its link is used", async () => {
    const duck = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck" } });
    const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const member = await createUser(t.db);
    await t.db.roleAssignment.create({ data: { userId: member.id, role: "cooperative_member", cooperativeId: duck.id } });
    // Not a member of the lychee cooperative: cannot invite into it.
    const foreign = await inviteMember(member.id, lychee.id, "nope@example.com", client).catch((e: unknown) => e);
    expect((foreign as UserError).status).toBe(404);

    const invited = await inviteMember(member.id, duck.id, "duck.helper@example.com", client);
    expect(await t.db.roleAssignment.count({ where: { userId: invited.id } })).toBe(0);
    const { acceptInvitation } = await import("~/modules/accounts/auth.server");
    const token = /\/invitation\/([A-Za-z0-9_-]{43})/.exec(invited.link)![1];
    await acceptInvitation({ token, name: "鸭场帮手", password: "ducks on the mudflats at dawn" }, client);
    const roles = await t.db.roleAssignment.findMany({ where: { userId: invited.id } });
    expect(roles).toEqual([expect.objectContaining({ role: "cooperative_member", cooperativeId: duck.id, grantedById: member.id })]);
    expect((await listMembers(duck.id)).map((m) => m.email)).toContain("duck.helper@example.com");
    expect((await listMembers(lychee.id)).map((m) => m.email)).not.toContain("duck.helper@example.com");
  });
});
