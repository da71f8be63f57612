// Who may work in a cooperative's portal. Every /coop/:slug/* loader and
// action starts here: a member of another cooperative gets 404 (which
// cooperatives exist stays private), someone without the member role 403.
// A suspended cooperative's members can still read their books and ship the
// orders already placed, but can no longer list or edit products.
import { requireCooperativeMember } from "~/modules/accounts/viewer.server";
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
