// A disbursement's evidence file, for the managers of its fund only.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund } = await requireFundManager(request, params.slug ?? "");
  const id = params.id ?? "";
  const file = /^[0-9a-f-]{36}$/i.test(id)
    ? await db().disbursementEvidence.findFirst({ where: { id, disbursement: { fundId: fund.id } } })
    : null;
  if (!file) throw new Response("Not found", { status: 404 });
  return new Response(file.data, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
