// Who is asking, and what they may do. Every loader and action starts with
// one of these guards; scoping by ownership goes in the query, so another
// cooperative's or fund's page is simply not found.
import { redirect } from "@remix-run/node";
import type { Role } from "~/generated/prisma/enums";
import { db } from "~/modules/db/db.server";
import { notFound } from "~/modules/errors/respond.server";
import { lookUpSession } from "./session.server";

export type Viewer = {
  user: { id: string; email: string; name: string; totpEnabledAt: Date | null; emailVerifiedAt: Date | null };
  session: { id: string; secondFactorAt: Date | null };
  roles: { role: Role; cooperativeId: string | null; fundId: string | null }[];
  /** Holds a role that needs two-factor sign-in. */
  privileged: boolean;
};

const PRIVILEGED: Role[] = ["fund_manager", "admin"];

// One lookup per Request: the root loader, the route's loader and its guards share it.
const cache = new WeakMap<Request, Promise<Viewer | null>>();

/**
 * The signed-in user of this request, or null. Someone with two-step
 * verification on who has not passed it in this session is not signed in yet
 * (see getPendingViewer).
 */
export async function getViewer(request: Request): Promise<Viewer | null> {
  const viewer = await getPendingViewer(request);
  return viewer && (!viewer.user.totpEnabledAt || viewer.session.secondFactorAt) ? viewer : null;
}

/** The session's user whether or not the second factor is still due (memoised per request; one query). */
export function getPendingViewer(request: Request): Promise<Viewer | null> {
  let viewer = cache.get(request);
  if (!viewer) {
    viewer = (async () => {
      const found = await lookUpSession(request, PRIVILEGED);
      if (!found) return null;
      const { session, user, roles: assigned } = found;
      // A role counts only for an account whose mailbox was proved: one
      // granted to an unconfirmed account (before invitations needed their
      // link) could belong to someone who signed up with another's address.
      const roles = user.emailVerifiedAt ? assigned : [];
      return {
        user,
        session: { id: session.id, secondFactorAt: session.secondFactorAt },
        roles,
        privileged: roles.some((r) => PRIVILEGED.includes(r.role)),
      };
    })();
    cache.set(request, viewer);
  }
  return viewer;
}

function signInRedirect(request: Request): never {
  const url = new URL(request.url);
  throw redirect(`/sign-in?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

export async function requireUser(request: Request): Promise<Viewer> {
  const viewer = await getViewer(request);
  if (viewer) return viewer;
  if (await getPendingViewer(request)) {
    const url = new URL(request.url);
    throw redirect(`/sign-in/two-factor?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return signInRedirect(request);
}

/** For the two-factor pages themselves: a session, even one still waiting for its second factor. */
export async function requirePendingUser(request: Request): Promise<Viewer> {
  return (await getPendingViewer(request)) ?? signInRedirect(request);
}

/**
 * Fund managers and admins must have passed two-factor sign-in in this
 * session; one who has not enrolled yet is sent to enrol first.
 */
export async function requireSecondFactor(request: Request): Promise<Viewer> {
  const viewer = await requireUser(request);
  if (!viewer.user.totpEnabledAt) throw redirect("/account/two-factor");
  if (!viewer.session.secondFactorAt) {
    const url = new URL(request.url);
    throw redirect(`/sign-in/two-factor?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return viewer;
}

function forbidden(): never {
  throw new Response("Forbidden", { status: 403 });
}

export async function requireRole(request: Request, role: Role): Promise<Viewer> {
  const viewer = await requireUser(request);
  if (!viewer.roles.some((r) => r.role === role)) forbidden();
  return PRIVILEGED.includes(role) ? requireSecondFactor(request) : viewer;
}

/**
 * A member of this cooperative. Someone without the member role gets 403; a
 * member of another cooperative gets 404 (which areas exist stays private).
 */
export async function requireCooperativeMember(request: Request, cooperativeSlug: string) {
  const viewer = await requireRole(request, "cooperative_member");
  const cooperative = await db().cooperative.findFirst({
    where: { slug: cooperativeSlug, roles: { some: { userId: viewer.user.id, role: "cooperative_member" } } },
    include: { village: true },
  });
  if (!cooperative) notFound();
  return { viewer, cooperative };
}

/** A manager of this fund (with two-factor); a manager of another fund gets 404, anyone else 403. */
export async function requireFundManager(request: Request, fundSlug: string) {
  const viewer = await requireRole(request, "fund_manager");
  const fund = await db().fund.findFirst({ where: { slug: fundSlug, roles: { some: { userId: viewer.user.id, role: "fund_manager" } } } });
  if (!fund) notFound();
  return { viewer, fund };
}

export function hasRole(viewer: Viewer | null, role: Role) {
  return !!viewer?.roles.some((r) => r.role === role);
}

/**
 * Whether this Cookie header belongs to a signed-in, two-factor-passed
 * manager of the fund: asked by server.ts before it reads a large upload, so
 * only a manager can make the server hold one. The route's action still checks
 * access with requireFundManager.
 */
export async function cookieManagesFund(cookieHeader: string | undefined, fundSlug: string): Promise<boolean> {
  if (!cookieHeader) return false;
  const viewer = await getViewer(new Request("http://localhost/", { headers: { Cookie: cookieHeader } }));
  if (!viewer?.user.totpEnabledAt || !viewer.session.secondFactorAt) return false;
  const fund = await db().fund.findFirst({
    where: { slug: fundSlug, roles: { some: { userId: viewer.user.id, role: "fund_manager" } } },
    select: { id: true },
  });
  return fund !== null;
}
