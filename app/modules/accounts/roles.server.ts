// Granting and revoking roles (admins only, checked by the caller's guard).
// Each role is scoped: a member to a cooperative, a manager to a fund.
import type { Role } from "~/generated/prisma/enums";
import { cooperativePublicSelect } from "~/modules/cooperatives/public-fields";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { kickMailSender } from "~/modules/mail/mail.server";
import { recordAudit } from "./audit.server";
import { createInvitation, parseEmail, type ClientInfo } from "./auth.server";

export type RoleGrant = { role: Role; cooperativeId?: string | null; fundId?: string | null };

const ROLES: Role[] = ["cooperative_member", "fund_manager", "admin"];

/** Reads a role and its scope from a form, refusing anything inconsistent or unknown. */
export async function parseRoleGrant(form: { role: unknown; scope: unknown }): Promise<RoleGrant> {
  const role = form.role as Role;
  if (!ROLES.includes(role)) throw new UserError("role_invalid");
  const scope = typeof form.scope === "string" ? form.scope : "";
  if (role === "admin") return { role };
  if (role === "cooperative_member") {
    const cooperative = await db().cooperative.findUnique({ where: { slug: scope } });
    if (!cooperative) throw new UserError("role_scope_invalid");
    return { role, cooperativeId: cooperative.id };
  }
  const fund = await db().fund.findUnique({ where: { slug: scope } });
  if (!fund) throw new UserError("role_scope_invalid");
  return { role, fundId: fund.id };
}

async function describe(grant: RoleGrant) {
  if (grant.cooperativeId) {
    const c = await db().cooperative.findUniqueOrThrow({ where: { id: grant.cooperativeId } });
    return `合作社成员 · cooperative member: ${c.nameZh} ${c.nameEn}`;
  }
  if (grant.fundId) {
    const f = await db().fund.findUniqueOrThrow({ where: { id: grant.fundId } });
    return `基金经理 · fund manager: ${f.nameZh} ${f.nameEn}`;
  }
  return "管理员 · admin";
}

/**
 * Grants a role to an account whose owner has proved the mailbox (a verified
 * email); an unverified account holds no role. Invitations call this when
 * their link is used, inside that step's transaction.
 */
export async function grantRole(actorId: string | null, userId: string, grant: RoleGrant, client: ClientInfo, tx?: DbTransaction) {
  const q = tx ?? db();
  const user = await q.user.findUniqueOrThrow({ where: { id: userId }, select: { emailVerifiedAt: true } });
  if (!user.emailVerifiedAt) throw new UserError("email_unverified", {}, 409);
  const existing = await q.roleAssignment.findFirst({
    where: { userId, role: grant.role, cooperativeId: grant.cooperativeId ?? null, fundId: grant.fundId ?? null },
  });
  if (existing) return existing;
  const created = await q.roleAssignment.create({
    data: { userId, role: grant.role, cooperativeId: grant.cooperativeId ?? null, fundId: grant.fundId ?? null, grantedById: actorId },
  });
  await recordAudit(
    {
      kind: "role_granted",
      actorUserId: actorId,
      subjectUserId: userId,
      ip: client.ip,
      detail: { role: grant.role, cooperativeId: grant.cooperativeId ?? null, fundId: grant.fundId ?? null },
    },
    tx,
  );
  return created;
}

/** Removes a role; refuses to remove the last admin's admin role (the shop would have none). */
export async function revokeRole(actorId: string, assignmentId: string, client: ClientInfo) {
  await db().$transaction(async (tx) => {
    // Lock every admin assignment so two admins cannot remove each other at once.
    await tx.$queryRaw`SELECT id FROM role_assignment WHERE role = 'admin' ORDER BY id FOR UPDATE`;
    const assignment = await tx.roleAssignment.findUnique({ where: { id: assignmentId } });
    if (!assignment) throw new UserError("role_not_found", {}, 404);
    if (assignment.role === "admin" && (await tx.roleAssignment.count({ where: { role: "admin" } })) <= 1) {
      throw new UserError("last_admin", {}, 409);
    }
    await tx.roleAssignment.delete({ where: { id: assignmentId } });
    await recordAudit(
      {
        kind: "role_revoked",
        actorUserId: actorId,
        subjectUserId: assignment.userId,
        ip: client.ip,
        detail: { role: assignment.role, cooperativeId: assignment.cooperativeId, fundId: assignment.fundId },
      },
      tx,
    );
  });
}

/**
 * Invites someone by email into a role: creates the account if needed (with
 * no password) and mails a one-time link that carries the role. The role
 * takes effect only when that link is used (see acceptInvitation): someone
 * who signed up with the address first gets nothing from the invitation.
 */
export async function inviteUser(actorId: string | null, input: { email: unknown; grant: RoleGrant }, client: ClientInfo) {
  const email = parseEmail(input.email);
  const label = await describe(input.grant);
  const user = await db().$transaction(async (tx) => {
    const invited = await tx.user.upsert({ where: { email }, create: { email, name: email.split("@")[0] }, update: {} });
    const link = await createInvitation(tx, invited, { ...input.grant, invitedById: actorId }, label, client);
    await recordAudit(
      {
        kind: "user_invited",
        actorUserId: actorId,
        subjectUserId: invited.id,
        email,
        ip: client.ip,
        detail: { role: input.grant.role, cooperativeId: input.grant.cooperativeId ?? null, fundId: input.grant.fundId ?? null },
      },
      tx,
    );
    return { ...invited, link };
  });
  kickMailSender();
  return user;
}

export async function listUsers(search: string, page: number, pageSize = 25) {
  const where = search
    ? { OR: [{ email: { contains: search.toLowerCase() } }, { name: { contains: search, mode: "insensitive" as const } }] }
    : {};
  const [users, total] = await Promise.all([
    db().user.findMany({
      where,
      orderBy: { createdAt: "desc" },
      skip: (page - 1) * pageSize,
      take: pageSize,
      // The list goes to the admin's page: never a password hash or a sealed TOTP secret, nor a cooperative's private fields.
      select: {
        id: true,
        email: true,
        name: true,
        createdAt: true,
        totpEnabledAt: true,
        emailVerifiedAt: true,
        roles: { include: { cooperative: { select: cooperativePublicSelect }, fund: true } },
      },
    }),
    db().user.count({ where }),
  ]);
  return { users, total, pages: Math.max(1, Math.ceil(total / pageSize)) };
}
