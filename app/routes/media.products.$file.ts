// An uploaded product photo's encoding, e.g. /media/products/<variant id>.webp.
// A variant never changes once written (a new photo is a new id), so it is
// cached for a year by browsers and CDNs alike; the ETag lets a revalidating
// client get a 304 without the bytes. The only query that reads the bytes.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { EXTENSION_FORMATS } from "~/modules/cooperatives/photo-urls";
import { readVariant } from "~/modules/cooperatives/photos.server";
import { notFound } from "~/modules/errors/respond.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const match = /^([0-9a-f-]{36})\.(webp|jpg|png)$/i.exec(params.file ?? "");
  if (!match) notFound();
  const variant = await readVariant(match[1].toLowerCase());
  // The extension must name the variant's own format: one address per encoding.
  if (!variant || EXTENSION_FORMATS[match[2].toLowerCase()] !== variant.format) notFound();
  const etag = `"${variant.id}"`;
  const headers = {
    "Content-Type": variant.contentType,
    "Cache-Control": "public, max-age=31536000, immutable",
    ETag: etag,
    "X-Content-Type-Options": "nosniff",
  };
  const ifNoneMatch = request.headers.get("If-None-Match") ?? "";
  if (ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag || tag.trim() === "*")) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(new Uint8Array(variant.data), { status: 200, headers: { ...headers, "Content-Length": String(variant.sizeBytes) } });
}
