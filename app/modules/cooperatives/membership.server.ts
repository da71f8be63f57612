// Who may work in a cooperative's portal. Every /coop/:slug/* loader and
// action starts here: a member of another cooperative gets 404 (which
// cooperatives exist stays private), someone without the member role 403.
// A suspended cooperative's members can still read their books and ship the
// orders already placed, but can no longer list or edit products.
import { getViewer, requireCooperativeMember } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";

export type Membership = Awaited<ReturnType<typeof requireCooperativeMember>>;

/** The signed-in member and their cooperative (any status). */
export function requireMembership(request: Request, cooperativeSlug: string | undefined): Promise<Membership> {
  return requireCooperativeMember(request, cooperativeSlug ?? "");
}

/** Listing, editing products and stock need an approved cooperative; a suspended one is told why (403). */
export function assertMayList(cooperative: { status: string }): void {
  if (cooperative.status !== "approved") throw new UserError("cooperative_suspended", {}, 403);
}

/**
 * Whether this Cookie header belongs to a signed-in member of the cooperative
 * (one that may still list): asked by server.ts before it reads a photo
 * upload larger than a form, so only such a member can make the server hold
 * one. The route's action still checks access with requireMembership.
 */
export async function cookieIsCooperativeMember(cookieHeader: string | undefined, cooperativeSlug: string): Promise<boolean> {
  if (!cookieHeader) return false;
  const viewer = await getViewer(new Request("http://localhost/", { headers: { Cookie: cookieHeader } }));
  if (!viewer?.roles.some((role) => role.role === "cooperative_member")) return false;
  const cooperative = await db().cooperative.findFirst({
    where: { slug: cooperativeSlug, status: "approved", roles: { some: { userId: viewer.user.id, role: "cooperative_member" } } },
    select: { id: true },
  });
  return cooperative !== null;
}
