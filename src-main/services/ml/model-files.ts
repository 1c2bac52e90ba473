import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tf } from './tfjs';

/**
 * Saves a model in the TensorFlow.js layers format (model.json + weights.bin) with a metadata
 * file beside it. Everything is written to a temporary folder first and then swapped in by
 * rename, so a kill at any moment leaves either the old model or the new one, never half of one.
 */
export async function saveModel(model: tf.LayersModel, dir: string, metadata: object, includeOptimizer = false): Promise<void> {
  await writeFolderAtomically(dir, async (temp) => {
    await writeLayersModel(model, temp, includeOptimizer);
    writeFileSync(path.join(temp, 'metadata.json'), JSON.stringify(metadata, null, 2));
  });
}

/** Fills a temporary folder with `fill`, then swaps it in for `dir` by rename. */
export async function writeFolderAtomically(dir: string, fill: (temp: string) => Promise<void>): Promise<void> {
  const temp = `${dir}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  await fill(temp);
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(temp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** Writes model.json + weights.bin into `dir` (which must exist); no metadata, no swap. */
export async function writeLayersModel(model: tf.LayersModel, dir: string, includeOptimizer = false): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array();
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(path.join(dir, 'weights.bin'), weights);
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
    { includeOptimizer },
  );
}

/** Reads a model written by `writeLayersModel` (from disk, without tfjs-node). */
export async function readLayersModel(dir: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    trainingConfig?: tf.io.TrainingConfig;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weights = readFileSync(path.join(dir, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0]!.weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      ...(modelJson.trainingConfig ? { trainingConfig: modelJson.trainingConfig } : {}),
    }),
  );
}

/** Loads a model saved by `saveModel` (with its optimizer state when it was saved with it). */
export async function loadModel(dir: string): Promise<{ model: tf.LayersModel; metadata: unknown }> {
  const model = await readLayersModel(dir);
  return { model, metadata: JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) };
}
