import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { stripNulBytes } from "~/modules/render/strip-nul.server";

describe("stripNulBytes", () => {
  it("drops the zero byte React 18 leaves at a chunk's end before a Chinese character, and keeps every character whole", async () => {
    // As seen on the product page: "…卖出去" + 0x00 | "，把一部分…"
    const chunks = [Buffer.concat([Buffer.from("把村庄的好物卖出去"), Buffer.from([0])]), Buffer.from("，把一部分售价留给村庄。")];
    const out = await text(Readable.from(chunks).pipe(stripNulBytes()));
    expect(out).toBe("把村庄的好物卖出去，把一部分售价留给村庄。");
    expect(out).not.toContain("\0");
  });

  it("passes chunks without zero bytes through untouched", async () => {
    const out = await text(Readable.from([Buffer.from("<p>¥318.00 · 荔乡</p>")]).pipe(stripNulBytes()));
    expect(out).toBe("<p>¥318.00 · 荔乡</p>");
  });
});
