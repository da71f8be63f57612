// A cooperative's members, and how they bring in more: a member of an
// approved cooperative invites someone by email as a member of that
// cooperative only, through the shop's invitation link (the role counts only
// once the link is used, by the mailbox's owner).
import { parseEmail, type ClientInfo } from "~/modules/accounts/auth.server";
import { hitRateLimits, type Limit } from "~/modules/accounts/rate-limit.server";
import { inviteUser } from "~/modules/accounts/roles.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";

/** The cooperative's members, oldest first, with who brought each in. */
export async function listMembers(cooperativeId: string) {
  const roles = await db().roleAssignment.findMany({
    where: { cooperativeId, role: "cooperative_member" },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      createdAt: true,
      user: { select: { id: true, name: true, email: true } },
      grantedBy: { select: { name: true } },
    },
  });
  return roles.map((r) => ({ id: r.id, since: r.createdAt, name: r.user.name, email: r.user.email, grantedBy: r.grantedBy?.name ?? null }));
}

/** Why this cooperative's members cannot invite now (an i18n error code), or null when they can. */
export function inviteBlockedReason(cooperative: { status: string }): string | null {
  return cooperative.status === "approved" ? null : "cooperative_suspended_invite";
}

/**
 * Each invitation mails an address the member typed and creates an account
 * row for it, so a member (who needs no second factor) could otherwise make
 * the shop mail thousands of strangers: a cooperative brings in a handful of
 * people, so 10 an hour per member and 30 a day per cooperative is generous.
 */
export const inviteLimits = (memberId: string, cooperativeId: string): Limit[] => [
  { key: `invite:member:${memberId}`, max: 10, windowSeconds: 60 * 60 },
  { key: `invite:cooperative:${cooperativeId}`, max: 30, windowSeconds: 24 * 60 * 60 },
];

/**
 * `memberId`, a member of the cooperative, invites `email` into it. The grant
 * names this cooperative only; whatever else the form carried is ignored.
 */
export async function inviteMember(memberId: string, cooperativeId: string, email: unknown, client: ClientInfo) {
  const cooperative = await db().cooperative.findFirst({
    where: { id: cooperativeId, roles: { some: { userId: memberId, role: "cooperative_member" } } },
    select: { id: true, status: true },
  });
  if (!cooperative) throw new UserError("cooperative_unknown", {}, 404);
  const blocked = inviteBlockedReason(cooperative);
  if (blocked) throw new UserError(blocked, {}, 403);
  const address = parseEmail(email);
  const already = await db().roleAssignment.findFirst({
    where: { cooperativeId: cooperative.id, role: "cooperative_member", user: { email: address } },
    select: { id: true },
  });
  if (already) throw new UserError("invite_already_member", { email: address }, 409);
  try {
    await hitRateLimits(inviteLimits(memberId, cooperative.id));
  } catch (error) {
    if (error instanceof UserError && error.code === "rate_limited") {
      const [perMember, perCooperative] = inviteLimits(memberId, cooperative.id).map((limit) => limit.max);
      throw new UserError("invite_rate_limited", { minutes: Math.ceil(Number(error.params.seconds) / 60), perMember, perCooperative }, 429);
    }
    throw error;
  }
  return inviteUser(memberId, { email: address, grant: { role: "cooperative_member", cooperativeId: cooperative.id } }, client);
}
