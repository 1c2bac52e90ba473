import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../tfjs';

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * Reads every weight of a TensorFlow.js layers model folder (model.json + its weight files) from
 * disk, without tfjs-node, keyed by `layer/weight` (outer model prefixes dropped).
 */
export function readLayersModelWeights(folderOrModelJson: string): { topology: unknown; weights: Map<string, tf.Tensor> } {
  const file = existsSync(folderOrModelJson) && statSync(folderOrModelJson).isDirectory() ? path.join(folderOrModelJson, 'model.json') : folderOrModelJson;
  if (!existsSync(file)) throw new Error(`No TensorFlow.js model found at ${folderOrModelJson} (expected a folder with model.json, or a model.json).`);
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${file} has no weightsManifest: it is not a TensorFlow.js layers model.`);
  const weights = new Map<string, tf.Tensor>();
  for (const group of json.weightsManifest) {
    const buffers = group.paths.map((p) => readFileSync(path.join(path.dirname(file), p)));
    const joined = Buffer.concat(buffers);
    const expected = group.weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (joined.byteLength < expected) throw new Error(`${file}: the weight files hold ${joined.byteLength} bytes, the manifest needs ${expected} (truncated, or a Git LFS pointer?).`);
    const decoded = tf.io.decodeWeights(joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength), group.weights);
    for (const [name, tensor] of Object.entries(decoded)) weights.set(name.split('/').slice(-2).join('/'), tensor);
  }
  return { topology: json.modelTopology, weights };
}

/**
 * Copies weights into `model` by name; every weight of the model must be found with its shape
 * (extra weights, such as a classifier head the backbone drops, are ignored). Disposes `weights`.
 */
export function assignWeightsByName(model: tf.LayersModel, weights: Map<string, tf.Tensor>, source: string): void {
  try {
    const missing: string[] = [];
    const assignments: [tf.LayerVariable, tf.Tensor][] = [];
    for (const variable of model.weights) {
      const name = variable.originalName.split('/').slice(-2).join('/');
      const value = weights.get(name);
      if (!value) missing.push(name);
      else if (value.shape.join('x') !== variable.shape.join('x')) missing.push(`${name} (shape ${value.shape.join('x')}, expected ${variable.shape.join('x')})`);
      else assignments.push([variable, value]);
    }
    if (missing.length > 0) throw new Error(`${source} does not fit this architecture: ${missing.length} weights missing or of another shape, e.g. ${missing.slice(0, 3).join(', ')}.`);
    for (const [variable, value] of assignments) variable.write(value);
  } finally {
    for (const tensor of weights.values()) tensor.dispose();
  }
}
