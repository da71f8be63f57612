// What a file is, by its first bytes rather than by the type the browser
// declared (which the uploader chooses): an HTML page or a script renamed
// `invoice.pdf` must not be stored as evidence and served back as a PDF.
export type DetectedFileType = "application/pdf" | "image/png" | "image/jpeg" | "image/webp";

const startsWith = (data: Uint8Array, bytes: number[], offset = 0) =>
  data.length >= offset + bytes.length && bytes.every((byte, index) => data[offset + index] === byte);

const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

export function detectFileType(data: Uint8Array): DetectedFileType | null {
  if (startsWith(data, ascii("%PDF-"))) return "application/pdf";
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(data, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(data, ascii("RIFF")) && startsWith(data, ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** True when the file's content is the type it claims to be. */
export function contentMatchesType(data: Uint8Array, declaredType: string): boolean {
  return detectFileType(data) === declaredType.toLowerCase();
}
