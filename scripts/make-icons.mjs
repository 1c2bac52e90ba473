// The application icons electron-builder packages, all drawn from resources/icon.svg:
//   node scripts/make-icons.mjs
// icon.png (1024 px: Linux, and electron-builder's fallback), icon.ico (Windows: 16–256 px) and
// icon.icns (macOS: 16–1024 px). sharp (libvips, already a dependency) rasterises the SVG; the ICO
// and ICNS containers are a header and a list of PNGs, written here rather than with another tool.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const RESOURCES = path.resolve(import.meta.dirname, '..', 'resources');
const svg = await readFile(path.join(RESOURCES, 'icon.svg'));

/** The SVG at `size` px square, as PNG bytes (rendered at a density that makes it exactly that size). */
const png = (size) => sharp(svg, { density: (72 * size) / 512 }).resize(size, size).png().toBuffer();

/** ICO: a 6-byte header, a 16-byte entry per image, then the PNGs (Windows Vista and later read PNG entries). */
async function ico(sizes) {
  const images = await Promise.all(sizes.map(png));
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach((image, i) => {
    const entry = 6 + 16 * i;
    header.writeUInt8(sizes[i] >= 256 ? 0 : sizes[i], entry);
    header.writeUInt8(sizes[i] >= 256 ? 0 : sizes[i], entry + 1);
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(image.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += image.length;
  });
  return Buffer.concat([header, ...images]);
}

/** ICNS: 'icns' and the file length, then per image a type code, its length and the PNG. */
async function icns(types) {
  const chunks = await Promise.all(
    Object.entries(types).map(async ([type, size]) => {
      const image = await png(size);
      const head = Buffer.alloc(8);
      head.write(type, 0, 'ascii');
      head.writeUInt32BE(image.length + 8, 4);
      return Buffer.concat([head, image]);
    }),
  );
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

await writeFile(path.join(RESOURCES, 'icon.png'), await png(1024));
await writeFile(path.join(RESOURCES, 'icon.ico'), await ico([16, 24, 32, 48, 64, 128, 256]));
// ic04/ic05 (16, 32) hold ARGB on some readers; the PNG-capable codes from 32 px up are read by every macOS since 10.7.
await writeFile(path.join(RESOURCES, 'icon.icns'), await icns({ icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024 }));
await writeFile(path.resolve(import.meta.dirname, '..', 'src-renderer', 'public', 'favicon.png'), await png(64));
console.log('resources/icon.png, icon.ico, icon.icns and src-renderer/public/favicon.png written');
