// A disbursement's evidence file for the public: only one a manager marked
// public, of a disbursement that is published (approved, paid or cancelled).
// Anything else does not exist here (404). Always a download, never rendered.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { publicEvidenceFile } from "~/modules/review/evidence.server";

export async function loader({ params }: LoaderFunctionArgs) {
  const file = await publicEvidenceFile(params.slug ?? "", params.id ?? "");
  if (!file) throw new Response("Not found", { status: 404 });
  return new Response(file.data, {
    headers: {
      "Content-Type": file.contentType,
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      // A manager may mark it private again: no shared cache keeps it.
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "sandbox",
    },
  });
}
