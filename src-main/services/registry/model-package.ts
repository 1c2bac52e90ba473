import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { z } from 'zod';
import { pneumoniaModelMetadataSchema, type PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { AppError } from '@shared/ipc/errors';
import { portableMetadata } from './portable-metadata';

/** A pneumonia model version on disk: two TensorFlow.js layers models and the metadata that binds them. */
export const MODEL_FILES = ['metadata.json', 'backbone/model.json', 'backbone/weights.bin', 'head/model.json', 'head/weights.bin'] as const;
/** Present in versions that have them: the feature reference (metadata.featureReference says so). */
export const OPTIONAL_MODEL_FILES = ['feature-reference.json'] as const;
/** Name and provenance of an exported version; optional on import. */
const LABEL_FILE = 'version.json';
export const MODEL_PACKAGE_EXTENSION = '.cxrmodel';
// VGG16's weights are 58 MB; anything far beyond that is not one of ours.
const MAX_PACKAGE_BYTES = 400 * 1024 * 1024;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function reject(reason: string): never {
  throw new AppError('BAD_INPUT', `This is not a usable CXR Triage model file: ${reason}`);
}

function rejectSize(size: number): never {
  reject(`it is ${Math.round(size / 2 ** 20)} MB, more than any model this application makes.`);
}

/** Reads a model file from disk, refusing one larger than any model before reading a byte of it. */
export async function readModelPackageFile(file: string): Promise<Buffer> {
  const { size } = await stat(file);
  if (size > MAX_PACKAGE_BYTES) rejectSize(size);
  return readFile(file);
}

/** One file holding a version (an uncompressed tar: the weights do not compress). */
export async function packModel(dir: string, label: { name: string; exportedAt: string; appVersion: string }): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  archive.entry({ name: LABEL_FILE }, JSON.stringify(label, null, 2));
  for (const name of MODEL_FILES) {
    const bytes = readFileSync(path.join(dir, name));
    archive.entry({ name }, name === 'metadata.json' ? exportedMetadata(bytes) : bytes);
  }
  for (const name of OPTIONAL_MODEL_FILES) {
    if (existsSync(path.join(dir, name))) archive.entry({ name }, readFileSync(path.join(dir, name)));
  }
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

function exportedMetadata(bytes: Buffer): string {
  return JSON.stringify(portableMetadata(pneumoniaModelMetadataSchema.parse(JSON.parse(bytes.toString('utf8')))), null, 2);
}

async function readEntries(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const archive = extract();
  let problem: string | null = null;
  archive.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      const name = header.name.replace(/^\.\//, '');
      if (header.type === 'directory') return next();
      if (header.type !== 'file') problem ??= `it holds a ${header.type} entry (${name}); only plain files are allowed.`;
      else if (name !== LABEL_FILE && !([...MODEL_FILES, ...OPTIONAL_MODEL_FILES] as readonly string[]).includes(name)) problem ??= `it holds an unexpected file "${name}".`;
      else if (entries.has(name)) problem ??= `it holds "${name}" twice.`;
      else entries.set(name, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, fail) => {
    archive.on('finish', resolve);
    archive.on('error', fail);
    Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]).pipe(archive);
  }).catch(() => reject('it is not a model archive (or it is damaged or cut short).'));
  if (problem) reject(problem);
  return entries;
}

const weightSpecsSchema = z.array(
  z.object({
    name: z.string().min(1).max(500),
    shape: z.array(z.number().int().min(0).max(1 << 24)).max(8),
    dtype: z.enum(['float32', 'int32', 'bool']),
  }),
);

/** The weights file must be exactly as long as its manifest says: catches a truncated or mismatched pair. */
function checkLayersModel(part: 'backbone' | 'head', modelJson: Buffer, weights: Buffer): void {
  let manifest: { weightsManifest?: { weights?: unknown }[]; modelTopology?: unknown };
  try {
    manifest = JSON.parse(modelJson.toString('utf8')) as typeof manifest;
  } catch {
    reject(`${part}/model.json is not valid JSON.`);
  }
  if (!manifest || typeof manifest.modelTopology !== 'object' || manifest.modelTopology === null || !Array.isArray(manifest.weightsManifest)) {
    reject(`${part}/model.json is not a TensorFlow.js layers model.`);
  }
  const parsed = weightSpecsSchema.safeParse(manifest.weightsManifest[0]?.weights);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    reject(`${part}/model.json lists a weight it cannot describe (${['weights', ...issue.path].join('.')}: ${issue.message}).`);
  }
  const specs = parsed.data;
  const expected = specs.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[w.dtype] ?? 4), 0);
  if (expected !== weights.byteLength) {
    reject(`${part}/weights.bin holds ${weights.byteLength} bytes but its model needs ${expected}.`);
  }
}

/**
 * Checks a model file completely (entries, metadata schema, weight sizes) and only then writes it
 * to `destDir`, through a temporary folder renamed into place.
 */
export async function unpackModel(bytes: Uint8Array, destDir: string): Promise<{ metadata: PneumoniaModelMetadata; name: string | null }> {
  if (bytes.byteLength > MAX_PACKAGE_BYTES) rejectSize(bytes.byteLength);
  const entries = await readEntries(bytes);
  const missing = MODEL_FILES.filter((name) => !entries.has(name));
  if (missing.length > 0) reject(`it lacks ${missing.join(', ')}.`);
  let metadataJson: unknown;
  try {
    metadataJson = JSON.parse(entries.get('metadata.json')!.toString('utf8'));
  } catch {
    reject('metadata.json is not valid JSON.');
  }
  const parsed = pneumoniaModelMetadataSchema.safeParse(metadataJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    reject(`its metadata is not a pneumonia model's (${issue.path.join('.') || 'metadata'}: ${issue.message}).`);
  }
  const reference = entries.get('feature-reference.json');
  if (parsed.data.featureReference && !reference) reject('its metadata names a feature reference but it holds no feature-reference.json.');
  if (reference) {
    try {
      JSON.parse(reference.toString('utf8'));
    } catch {
      reject('feature-reference.json is not valid JSON.');
    }
  }
  checkLayersModel('backbone', entries.get('backbone/model.json')!, entries.get('backbone/weights.bin')!);
  checkLayersModel('head', entries.get('head/model.json')!, entries.get('head/weights.bin')!);
  let name: string | null = null;
  const label = entries.get(LABEL_FILE);
  if (label) {
    try {
      const value = (JSON.parse(label.toString('utf8')) as { name?: unknown }).name;
      if (typeof value === 'string' && value.trim()) name = value.trim().slice(0, 120);
    } catch {
      // A damaged label only costs the name; the model itself was checked above.
    }
  }
  const temp = `${destDir}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  for (const file of [...MODEL_FILES, ...OPTIONAL_MODEL_FILES].filter((f) => entries.has(f))) {
    mkdirSync(path.dirname(path.join(temp, file)), { recursive: true });
    writeFileSync(path.join(temp, file), entries.get(file)!);
  }
  if (existsSync(destDir)) rmSync(destDir, { recursive: true, force: true });
  renameSync(temp, destDir);
  return { metadata: parsed.data, name };
}
