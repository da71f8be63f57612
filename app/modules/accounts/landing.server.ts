import { db } from "~/modules/db/db.server";

/** Where someone lands after signing in: the area of their role, else their account. */
export async function landingFor(userId: string): Promise<string> {
  const roles = await db().roleAssignment.findMany({ where: { userId }, include: { cooperative: { select: { slug: true } } } });
  if (roles.some((r) => r.role === "admin")) return "/admin";
  if (roles.some((r) => r.role === "fund_manager")) return "/manage";
  const membership = roles.find((r) => r.role === "cooperative_member" && r.cooperative);
  return membership ? `/coop/${membership.cooperative!.slug}` : "/account";
}
