// Product pictures as WebP with srcset: the seeded drawings' renderings exist
// at every width the page names, and the markup names them.
import fs from "node:fs";
import path from "node:path";
import i18next from "i18next";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nextProvider } from "react-i18next";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ProductImage } from "~/components/product-image";
import { STATIC_PHOTO_WIDTHS, staticWebpSrcSet } from "~/modules/cooperatives/photo-urls";

const DIR = "public/images/products";
const i18n = i18next.createInstance();
void i18n.init({ lng: "zh", resources: {}, initAsync: false });
const render = (props: Parameters<typeof ProductImage>[0]) =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(ProductImage, props)));

describe("seeded product drawings", () => {
  const drawings = fs.readdirSync(DIR).filter((name) => name.endsWith(".svg"));

  it("each have a WebP rendering at every width the storefront asks for (scripts/images/static-product-webp.ts)", async () => {
    expect(drawings).toContain("lingshan-lychee.svg");
    for (const drawing of drawings) {
      for (const width of STATIC_PHOTO_WIDTHS) {
        const file = path.join(DIR, drawing.replace(/\.svg$/, `-${width}.webp`));
        expect(fs.existsSync(file), file).toBe(true);
        const metadata = await sharp(file).metadata();
        expect({ file, format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({
          file,
          format: "webp",
          width,
          height: width,
        });
      }
    }
  });

  it("are drawn as a <picture> with a WebP srcset, sizes, width and height; the opening picture is fetched first", () => {
    const html = render({
      image: { url: "/images/products/lingshan-lychee.svg", altZh: "灵山荔枝", altEn: "Lingshan lychees" },
      eager: true,
      sizes: "100vw",
    });
    expect(html).toContain(
      `<source type="image/webp" srcSet="${staticWebpSrcSet("/images/products/lingshan-lychee.svg")}" sizes="100vw"/>`,
    );
    expect(html).toContain("/images/products/lingshan-lychee-320.webp 320w");
    expect(html).toMatch(/<img src="\/images\/products\/lingshan-lychee.svg" alt="灵山荔枝" width="800" height="800"/);
    expect(html).toContain('loading="eager"');
    expect(html).toContain('fetchpriority="high"');
  });

  it("lazy-load everywhere else, the placeholder included", () => {
    const html = render({ image: null });
    expect(html).toContain("/images/products/placeholder-480.webp 480w");
    expect(html).toContain('loading="lazy"');
    expect(html).not.toContain("fetchpriority");
  });

  it("leave an address that is no seeded drawing as a plain <img>", () => {
    expect(staticWebpSrcSet("https://elsewhere.example/lychee.svg")).toBeNull();
    expect(render({ image: { url: "/images/other/x.svg", altZh: "x", altEn: "x" } })).not.toContain("<picture>");
  });
});
