// A form that may carry files: multipart forms are read into memory with each
// file capped at `maxPartSize` (the request's total was already capped by the
// server's body limit); other forms are read as usual. `null` means a file was
// over the cap, for the caller to refuse in its own words.
import { unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from "@remix-run/node";

export async function readFormWithFiles(request: Request, maxPartSize: number): Promise<FormData | null> {
  if (!(request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) return request.formData();
  try {
    return await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize }));
  } catch {
    return null;
  }
}
