import { randomFillSync } from 'node:crypto';
import { PNG } from 'pngjs';

/**
 * Small real files made by the tests, for incoming media on the simulator: each is a valid file of
 * its format (a PNG decoders read, a PDF with one page, an Ogg/Opus voice note of silence).
 */

/** A width×height PNG, every pixel `rgba`. */
export const makePng = (
  width = 8,
  height = 8,
  rgba: [number, number, number, number] = [37, 211, 102, 255],
) => {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i += 1) png.data.set(rgba, i * 4);
  return PNG.sync.write(png);
};

/** A width×height PNG of random pixels: it does not compress, so its size is about width×height×4. */
export const makeNoisePng = (width: number, height: number) => {
  const png = new PNG({ width, height });
  randomFillSync(png.data);
  return PNG.sync.write(png);
};

/** A one-page PDF with a correct cross-reference table. */
export const makePdf = (title = 'wa-sessions test'): Buffer => {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Title (${title}) >>`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
};

// Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final xor (RFC 3533).
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let r = n << 24;
  for (let i = 0; i < 8; i += 1) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});
const oggCrc = (bytes: Buffer): number => {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] ?? 0)) >>> 0;
  return crc;
};

const oggPage = (packets: Buffer[], flags: number, granule: bigint, serial: number, sequence: number) => {
  const segments: number[] = [];
  for (const packet of packets) {
    let left = packet.length;
    while (left >= 255) {
      segments.push(255);
      left -= 255;
    }
    segments.push(left);
  }
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header.writeUInt8(0, 4);
  header.writeUInt8(flags, 5);
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(serial, 14);
  header.writeUInt32LE(sequence, 18);
  header.writeUInt8(segments.length, 26);
  const page = Buffer.concat([header, Buffer.from(segments), ...packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
};

/**
 * An Ogg/Opus voice note (mono, 48 kHz) of `seconds` of silence, as WhatsApp's `ptt` carries:
 * OpusHead and OpusTags pages (RFC 7845), then 20 ms silent Opus frames (TOC 0xF8: CELT fullband).
 */
export const makeOggOpus = (seconds = 1): Buffer => {
  const serial = 0x5a17e501;
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head.writeUInt8(1, 8);
  head.writeUInt8(1, 9);
  head.writeUInt16LE(312, 10);
  head.writeUInt32LE(48_000, 12);
  head.writeInt16LE(0, 16);
  head.writeUInt8(0, 18);
  const vendor = Buffer.from('wa-sessions tests', 'utf8');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  tags.writeUInt32LE(0, 12 + vendor.length);
  const frames = Math.max(1, Math.round(seconds * 50));
  const silence = Buffer.from([0xf8, 0xff, 0xfe]);
  const pages = [oggPage([head], 0x02, 0n, serial, 0), oggPage([tags], 0x00, 0n, serial, 1)];
  let sequence = 2;
  for (let sent = 0; sent < frames; ) {
    const batch = Math.min(50, frames - sent);
    sent += batch;
    const last = sent === frames;
    pages.push(
      oggPage(
        Array.from({ length: batch }, () => silence),
        last ? 0x04 : 0x00,
        BigInt(312 + sent * 960),
        serial,
        sequence,
      ),
    );
    sequence += 1;
  }
  return Buffer.concat(pages);
};
