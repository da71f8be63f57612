// An application's document (a licence, a certification), for its applicant
// and for admins only; to anyone else it does not exist.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { hasRole, requireRole, requireUser } from "~/modules/accounts/viewer.server";
import { documentFor } from "~/modules/cooperatives/applications.server";
import { notFound } from "~/modules/errors/respond.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  // An admin sees every application's documents, but only with two-step verification passed.
  const admin = hasRole(viewer, "admin") && !!(await requireRole(request, "admin"));
  const file = await documentFor(params.id ?? "", { userId: viewer.user.id, admin });
  if (!file) notFound();
  return new Response(file.data, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
