// One level of China's divisions for the address cascade: the cities of a
// province (?parent=44) or the districts of a city (?parent=4401), as JSON.
// Public and the same for everyone until the data package changes, so
// browsers and caches may keep it for a day.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { childrenOf } from "~/modules/addresses/divisions.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const parent = new URL(request.url).searchParams.get("parent") ?? "";
  const divisions = childrenOf(parent);
  if (!divisions)
    return Response.json({ error: "unknown_division" }, { status: 404, headers: { "Cache-Control": "public, max-age=3600" } });
  return Response.json({ parent, divisions }, { headers: { "Cache-Control": "public, max-age=86400" } });
}
