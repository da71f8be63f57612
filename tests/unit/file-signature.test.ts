import { describe, expect, it } from "vitest";
import { contentMatchesType, detectFileType } from "~/modules/security/file-signature";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part))));

describe("file signatures (magic bytes)", () => {
  it("recognise PDF, PNG, JPEG and WebP by their first bytes", () => {
    expect(detectFileType(bytes("%PDF-1.7\n%âãÏÓ\n"))).toBe("application/pdf");
    expect(detectFileType(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], "IHDR"))).toBe("image/png");
    expect(detectFileType(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], "JFIF"))).toBe("image/jpeg");
    expect(detectFileType(bytes("RIFF", [0x24, 0, 0, 0], "WEBPVP8 "))).toBe("image/webp");
  });

  it("recognise nothing else: HTML, a script, an empty file, a RIFF that is not WebP, a truncated signature", () => {
    for (const data of [
      bytes("<!doctype html><script>alert(1)</script>"),
      bytes("#!/bin/sh\nrm -rf /\n"),
      bytes(""),
      bytes("RIFF", [0x24, 0, 0, 0], "WAVEfmt "),
      bytes([0x89, 0x50, 0x4e]),
      bytes(" %PDF-1.7"),
    ]) {
      expect(detectFileType(data)).toBeNull();
    }
  });

  it("match a file only to the type its content has", () => {
    const pdf = bytes("%PDF-1.4\n");
    expect(contentMatchesType(pdf, "application/pdf")).toBe(true);
    expect(contentMatchesType(pdf, "image/png")).toBe(false);
    expect(contentMatchesType(bytes("<html>"), "application/pdf")).toBe(false);
  });
});
