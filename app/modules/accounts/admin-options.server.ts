import { db } from "~/modules/db/db.server";

/** Cooperatives and funds a role can be scoped to. */
export async function roleScopeOptions() {
  const [cooperatives, funds] = await Promise.all([
    db().cooperative.findMany({ select: { slug: true, nameZh: true, nameEn: true }, orderBy: { nameZh: "asc" } }),
    db().fund.findMany({ select: { slug: true, nameZh: true, nameEn: true }, orderBy: { nameZh: "asc" } }),
  ]);
  return { cooperatives, funds };
}
