// One after-sales photo, for the buyer of its order (signed in, or holding
// the order's secret link as `?t=`), a member of its line's cooperative, or
// an admin who passed two-step sign-in; for anyone else it does not exist.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getViewer } from "~/modules/accounts/viewer.server";
import { afterSalesPhotoFor } from "~/modules/after-sales/views.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const viewer = await getViewer(request);
  const roles = viewer?.roles ?? [];
  const photo = await afterSalesPhotoFor(params.id ?? "", {
    userId: viewer?.user.id ?? null,
    isAdmin: roles.some((role) => role.role === "admin") && !!viewer?.session.secondFactorAt,
    cooperativeIds: roles.flatMap((role) => (role.role === "cooperative_member" && role.cooperativeId ? [role.cooperativeId] : [])),
    accessToken: new URL(request.url).searchParams.get("t"),
  });
  if (!photo) throw new Response("Not found", { status: 404 });
  return new Response(photo.data, {
    headers: {
      "Content-Type": photo.contentType,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'",
      "Referrer-Policy": "no-referrer",
    },
  });
}
