/**
 * Image sets the feature reference must call unusual (or not), decoded to 8-bit grey as the
 * worker decodes what it scores: CIFAR-10 test pictures, the shared corpus's DICOM files that are
 * not chest radiographs, and chest films turned or inverted.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import sharp from 'sharp';
import { extract } from 'tar-stream';
import type { GreyImage } from '../src-main/services/imaging/dicom/dicom-image';
import { renderForModel, summarizeDicom } from '../src-main/services/imaging/dicom/dicom-image';

export async function greyFromEncoded(bytes: Uint8Array): Promise<GreyImage> {
  const { data, info } = await sharp(bytes).rotate().grayscale().raw().toBuffer({ resolveWithObject: true });
  const grey = info.channels === 1 ? new Uint8Array(data) : Uint8Array.from({ length: info.width * info.height }, (_, i) => data[i * info.channels]!);
  return { width: info.width, height: info.height, channels: 1, data: grey };
}

/** The first `perClass` test images of each class (by file name) from the image-folder release. */
export async function readCifarTestImages(tarGz: string, perClass: number): Promise<{ name: string; image: GreyImage }[]> {
  const found = new Map<string, Buffer>();
  const archive = extract();
  archive.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      if (/\/test\/[^/]+\/[^/]+\.jpe?g$/i.test(header.name)) found.set(header.name, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    archive.on('finish', resolve);
    archive.on('error', reject);
    createReadStream(tarGz).pipe(createGunzip()).pipe(archive);
  });
  const byClass = new Map<string, string[]>();
  for (const name of [...found.keys()].sort()) {
    const cls = path.basename(path.dirname(name));
    byClass.set(cls, [...(byClass.get(cls) ?? []), name]);
  }
  const chosen = [...byClass.values()].flatMap((names) => names.slice(0, perClass));
  return Promise.all(chosen.map(async (name) => ({ name, image: await greyFromEncoded(found.get(name)!) })));
}

// As the import's applicability rule reads Body Part Examined (dicom-metadata.ts).
const CHEST_PARTS = new Set(['CHEST', 'THORAX', 'LUNG', 'LUNGS', 'TORSO']);

/**
 * The corpus's files that are not chest radiographs (modality other than CR/DX, or a body part
 * that is not the chest), rendered as the model would be given them; files that cannot be
 * decoded (the corpus's broken ones) are counted, not scored.
 */
export async function readNonChestDicom(dicomDir: string): Promise<{ images: { name: string; modality: string; image: GreyImage }[]; undecodable: number; chestSkipped: number }> {
  const rows = readFileSync(path.join(dicomDir, 'index.tsv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t'));
  const images: { name: string; modality: string; image: GreyImage }[] = [];
  let undecodable = 0;
  let chestSkipped = 0;
  for (const [file] of rows) {
    const bytes = readFileSync(path.join(dicomDir, file!));
    try {
      const summary = await summarizeDicom(bytes);
      const modality = summary?.metadata.modality ?? 'none';
      const part = summary?.metadata.bodyPart?.toUpperCase() ?? null;
      const chestRadiograph = (modality === 'CR' || modality === 'DX') && (part === null || CHEST_PARTS.has(part));
      if (chestRadiograph) {
        chestSkipped++;
        continue;
      }
      images.push({ name: file!, modality, image: await renderForModel(bytes) });
    } catch {
      undecodable++;
    }
  }
  return { images, undecodable, chestSkipped };
}

/** Turned a quarter clockwise. */
export function rotated90(image: GreyImage): GreyImage {
  const { width, height, data } = image;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + (height - 1 - y)] = data[y * width + x]!;
  return { width: height, height: width, channels: 1, data: out };
}

/** Negative: what a MONOCHROME1 film shown without its inversion looks like. */
export function inverted(image: GreyImage): GreyImage {
  return { ...image, data: image.data.map((v) => 255 - v) };
}
