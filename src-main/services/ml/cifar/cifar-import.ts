import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import sharp from 'sharp';
import { extract } from 'tar-stream';
import { CIFAR10_CLASSES } from '../textbook-cnn';
import { concatSplits, parseCifarBinary, toCifarBinary } from './cifar-binary';
import { IMAGE_BYTES, type CifarDataset, type CifarSplit } from './cifar-dataset';

export class CifarImportError extends Error {}

const ACCEPTED =
  'Choose the official binary release (cifar-10-binary.tar.gz or the extracted cifar-10-batches-bin folder) ' +
  'or an image-folder layout (a folder or .tar.gz holding train/<class>/*.jpg and test/<class>/*.jpg with the ten CIFAR-10 class names).';

const BINARY_TRAIN = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const BINARY_TEST = 'test_batch.bin';

type Entry = { name: string; bytes: Buffer };
export type ImportProgress = (message: string, done: number, total: number | null) => void;

/**
 * Loads CIFAR-10 from any accepted layout. The decoded images are cached under `cacheDir` in the
 * official binary format (keyed by the source's path, size and modification time), so only the
 * first import pays for decoding 60,000 JPEGs.
 */
export async function importCifar10(source: string, cacheDir: string, progress: ImportProgress = () => {}): Promise<CifarDataset> {
  if (!existsSync(source)) throw new CifarImportError(`${source} does not exist. ${ACCEPTED}`);
  const stat = statSync(source);
  const key = createHash('sha256').update(`${path.resolve(source)}|${stat.size}|${stat.mtimeMs}`).digest('hex').slice(0, 16);
  const cached = path.join(cacheDir, key);
  if (existsSync(path.join(cached, 'test.bin'))) {
    progress('Reading the cached dataset', 0, null);
    return {
      train: parseCifarBinary(readFileSync(path.join(cached, 'train.bin')), 'the cached training set'),
      test: parseCifarBinary(readFileSync(path.join(cached, 'test.bin')), 'the cached test set'),
    };
  }
  const dataset = await decode(source, stat.isDirectory(), progress);
  writeCache(cached, dataset);
  return dataset;
}

async function decode(source: string, isDirectory: boolean, progress: ImportProgress): Promise<CifarDataset> {
  if (isDirectory) {
    const binaryDir = [source, path.join(source, 'cifar-10-batches-bin')].find((d) => existsSync(path.join(d, BINARY_TEST)));
    if (binaryDir) return fromBinaryEntries(readBinaryFolder(binaryDir));
    return fromImageEntries(readImageFolder(source), progress);
  }
  if (!/\.(tar\.gz|tgz)$/i.test(source)) throw new CifarImportError(`${path.basename(source)} is not a CIFAR-10 archive. ${ACCEPTED}`);
  progress('Reading the archive', 0, null);
  const entries = await readTarGz(source);
  if (entries.some((e) => path.posix.basename(e.name) === BINARY_TEST)) return fromBinaryEntries(entries);
  return fromImageEntries(entries, progress);
}

function readBinaryFolder(dir: string): Entry[] {
  return [...BINARY_TRAIN, BINARY_TEST]
    .filter((name) => existsSync(path.join(dir, name)))
    .map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }));
}

function fromBinaryEntries(entries: Entry[]): CifarDataset {
  const byName = new Map(entries.map((e) => [path.posix.basename(e.name), e.bytes]));
  const missing = [...BINARY_TRAIN, BINARY_TEST].filter((name) => !byName.has(name));
  if (missing.length > 0) throw new CifarImportError(`The CIFAR-10 binary release is incomplete: ${missing.join(', ')} missing.`);
  return {
    train: concatSplits(BINARY_TRAIN.map((name) => parseCifarBinary(byName.get(name)!, name))),
    test: parseCifarBinary(byName.get(BINARY_TEST)!, BINARY_TEST),
  };
}

function readImageFolder(root: string): Entry[] {
  const entries: Entry[] = [];
  const walk = (dir: string, relative: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const rel = relative ? `${relative}/${name}` : name;
      if (statSync(full).isDirectory()) walk(full, rel);
      else if (/\.(jpe?g|png)$/i.test(name)) entries.push({ name: rel, bytes: readFileSync(full) });
    }
  };
  walk(root, '');
  return entries;
}

async function readTarGz(file: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') entries.push({ name: header.name, bytes: Buffer.concat(chunks) });
      next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(file);
    const gunzip = createGunzip();
    const fail = (e: Error) => reject(new CifarImportError(`${path.basename(file)} could not be read as a .tar.gz archive (${e.message}). ${ACCEPTED}`));
    input.on('error', fail);
    gunzip.on('error', fail);
    tar.on('error', fail);
    tar.on('finish', resolve);
    input.pipe(gunzip).pipe(tar);
  });
  return entries;
}

/** Images under .../{train,test}/<class>/<file>; the class folder names give the labels. */
async function fromImageEntries(entries: Entry[], progress: ImportProgress): Promise<CifarDataset> {
  const splits: Record<'train' | 'test', { label: number; bytes: Buffer; name: string }[]> = { train: [], test: [] };
  for (const entry of entries) {
    if (!/\.(jpe?g|png)$/i.test(entry.name)) continue;
    const parts = entry.name.split('/');
    const split = parts.at(-3);
    const label = CIFAR10_CLASSES.indexOf(parts.at(-2) as (typeof CIFAR10_CLASSES)[number]);
    if ((split === 'train' || split === 'test') && label >= 0) splits[split].push({ label, bytes: entry.bytes, name: entry.name });
  }
  if (splits.train.length === 0 || splits.test.length === 0) {
    throw new CifarImportError(`No CIFAR-10 images were found in the expected layout (train: ${splits.train.length}, test: ${splits.test.length}). ${ACCEPTED}`);
  }
  const total = splits.train.length + splits.test.length;
  let done = 0;
  const decodeSplit = async (items: { label: number; bytes: Buffer; name: string }[]): Promise<CifarSplit> => {
    // Sorted so the same archive always gives the same order, whatever order the archive lists files in.
    items.sort((a, b) => (a.name < b.name ? -1 : 1));
    const pixels = new Uint8Array(items.length * IMAGE_BYTES);
    const labels = Uint8Array.from(items, (i) => i.label);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < items.length; i = next++) {
        pixels.set(await decodeImage(items[i]!.bytes, items[i]!.name), i * IMAGE_BYTES);
        if (++done % 2000 === 0) progress('Decoding images', done, total);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return { count: items.length, pixels, labels };
  };
  return { train: await decodeSplit(splits.train), test: await decodeSplit(splits.test) };
}

async function decodeImage(bytes: Buffer, name: string): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.width !== 32 || info.height !== 32 || info.channels !== 3) throw new Error(`${info.width}x${info.height}x${info.channels}`);
    return data;
  } catch (error) {
    throw new CifarImportError(`${name} is not a 32x32 RGB CIFAR-10 image (${error instanceof Error ? error.message : 'unreadable'}).`);
  }
}

function writeCache(dir: string, dataset: CifarDataset): void {
  const temp = `${dir}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  writeFileSync(path.join(temp, 'train.bin'), toCifarBinary(dataset.train));
  writeFileSync(path.join(temp, 'test.bin'), toCifarBinary(dataset.test));
  mkdirSync(path.dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(temp, dir);
}
