// React 18.3's renderToPipeableStream can leave a 0x00 byte at the end of a
// 2 KB chunk when a multi-byte character (any Chinese text) does not fit in
// it; the character itself follows whole in the next chunk (react#27554,
// react#31134). A page then carries U+0000 mid-sentence. In UTF-8 a zero byte
// is never part of another character, and HTML has no use for U+0000, so
// dropping every zero byte restores exactly the text React meant.
import { Transform } from "node:stream";

export function stripNulBytes(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!chunk.includes(0)) return done(null, chunk);
      const kept = Buffer.allocUnsafe(chunk.length);
      let length = 0;
      for (const byte of chunk) if (byte !== 0) kept[length++] = byte;
      done(null, kept.subarray(0, length));
    },
  });
}
