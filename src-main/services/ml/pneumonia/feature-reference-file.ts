import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { featureReferenceSummarySchema } from '@shared/ipc/pneumonia-contract';
import type { FeatureReference } from './feature-reference';

export const FEATURE_REFERENCE_FILE = 'feature-reference.json';

/** Float32 arrays as base64 of their little-endian bytes: exact, and a third the size of decimal text. */
const float32Base64 = z.string().max(50_000_000);

const referenceFileSchema = z.strictObject({
  format: z.literal('cxr-triage-feature-reference'),
  formatVersion: z.literal(1),
  featureSize: z.number().int().positive().max(1 << 16),
  mean: float32Base64,
  /** k x featureSize, row by row. */
  components: float32Base64,
  variances: z.array(z.number().nonnegative()).min(1).max(1024),
  cutoffs: z.strictObject({ mahalanobis: z.number().positive(), residual: z.number().positive() }),
  percentile: z.number().min(50).max(100),
  summary: featureReferenceSummarySchema,
});

export function writeFeatureReference(reference: FeatureReference, dir: string): void {
  const size = reference.mean.length;
  const components = new Float32Array(reference.components.length * size);
  reference.components.forEach((c, i) => components.set(c, i * size));
  const file: z.output<typeof referenceFileSchema> = {
    format: 'cxr-triage-feature-reference',
    formatVersion: 1,
    featureSize: size,
    mean: toBase64(reference.mean),
    components: toBase64(components),
    variances: Array.from(reference.variances),
    cutoffs: reference.cutoffs,
    percentile: reference.percentile,
    summary: reference.summary,
  };
  writeFileSync(path.join(dir, FEATURE_REFERENCE_FILE), JSON.stringify(file));
}

/** The folder's reference, or null when it has none (versions made before references existed). Throws on a damaged file. */
export function readFeatureReference(dir: string): FeatureReference | null {
  const file = path.join(dir, FEATURE_REFERENCE_FILE);
  if (!existsSync(file)) return null;
  const parsed = referenceFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const k = parsed.variances.length;
  const mean = fromBase64(parsed.mean);
  const flat = fromBase64(parsed.components);
  if (mean.length !== parsed.featureSize || flat.length !== k * parsed.featureSize) {
    throw new Error(`${file}: its arrays do not match its feature size ${parsed.featureSize} and ${k} components.`);
  }
  return {
    mean,
    components: Array.from({ length: k }, (_, i) => flat.slice(i * parsed.featureSize, (i + 1) * parsed.featureSize)),
    variances: Float32Array.from(parsed.variances),
    cutoffs: parsed.cutoffs,
    percentile: parsed.percentile,
    summary: parsed.summary,
  };
}

function toBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return Buffer.from(bytes).toString('base64');
}

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) throw new Error('A feature-reference array is not a whole number of float32 values.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
