// Images made on the spot with sharp, for upload tests: real photos of a
// given size, and files that only pretend to be one.
import sharp from "sharp";

/** A JPEG of `width` × `height` with some texture (a flat colour would compress to nothing), optionally with EXIF GPS and an orientation. */
export async function photoJpeg(width: number, height: number, options: { gps?: boolean; orientation?: number; quality?: number } = {}) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#b91c1c"/><stop offset="1" stop-color="#15803d"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    ${Array.from({ length: 40 }, (_, i) => `<circle cx="${(i * 97) % width}" cy="${(i * 53) % height}" r="${20 + (i % 7) * 9}" fill="#fde68a" opacity="0.6"/>`).join("")}
  </svg>`;
  let image = sharp(Buffer.from(svg)).jpeg({ quality: options.quality ?? 95 });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  if (options.gps) {
    image = image.withExifMerge({
      IFD0: { Make: "TestCam", Model: "Field 1" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "22/1 25/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "109/1 17/1 0/1" },
    });
  }
  return image.toBuffer();
}

export async function photoPng(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: "#4d7c0f" } })
    .composite([{ input: await photoJpeg(Math.min(width, 400), Math.min(height, 400)), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** A PNG a few hundred bytes long whose header declares `width` × `height` (a decompression bomb's claim), with a valid header checksum. */
export async function pngDeclaring(width: number, height: number) {
  const png = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } })
      .png()
      .toBuffer(),
  );
  // IHDR data starts at byte 16 (8 signature + 4 length + 4 type): width, height, then its CRC after 13 bytes.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(data: Uint8Array) {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}
