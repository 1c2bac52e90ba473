import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { pneumoniaModelMetadataSchema, type PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { readLayersModel, writeFolderAtomically, writeLayersModel } from '../model-files';
import type { FeatureReference } from './feature-reference';
import { readFeatureReference, writeFeatureReference } from './feature-reference-file';
import { featureShapeOf } from './feature-shape';
import type { PneumoniaNetwork } from './pneumonia-network';

/** A trained pneumonia model: the network with the metadata it was saved with, and its feature reference if it has one. */
export interface PneumoniaModel extends PneumoniaNetwork {
  metadata: PneumoniaModelMetadata;
  featureReference: FeatureReference | null;
}

/** The metadata failed its schema, or the folder is not a pneumonia model. */
export class PneumoniaModelFileError extends Error {
  override readonly name = 'PneumoniaModelFileError';
}

/**
 * Saves a model as a folder: backbone/ and head/ (TensorFlow.js layers models), the feature
 * reference when there is one, and metadata.json, written last into a temporary folder that is
 * then renamed into place, so a folder with metadata.json is always complete.
 */
export async function savePneumoniaModel(network: PneumoniaNetwork, metadata: PneumoniaModelMetadata, dir: string, featureReference: FeatureReference | null = null): Promise<void> {
  const checked = pneumoniaModelMetadataSchema.parse(metadata);
  if (!checked.featureReference !== !featureReference) throw new Error('The metadata\'s feature reference summary and the reference itself must come together.');
  await writeFolderAtomically(dir, async (temp) => {
    for (const [part, model] of [['backbone', network.backbone.featureModel], ['head', network.head]] as const) {
      mkdirSync(path.join(temp, part));
      await writeLayersModel(model, path.join(temp, part));
    }
    if (featureReference) writeFeatureReference(featureReference, temp);
    writeFileSync(path.join(temp, 'metadata.json'), JSON.stringify(checked, null, 2));
  });
}

/** Reads and checks a model folder's metadata without loading its weights. */
export function readPneumoniaMetadata(dir: string): PneumoniaModelMetadata {
  const file = path.join(dir, 'metadata.json');
  if (!existsSync(file)) throw new PneumoniaModelFileError(`${dir} is not a pneumonia model: it has no metadata.json.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PneumoniaModelFileError(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = pneumoniaModelMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PneumoniaModelFileError(`${file} is not a pneumonia model's metadata (${issue.path.join('.') || 'metadata'}: ${issue.message}).`);
  }
  return parsed.data;
}

/** Loads a model folder. Its preprocessing comes from its metadata alone. */
export async function loadPneumoniaModel(dir: string): Promise<PneumoniaModel> {
  const metadata = readPneumoniaMetadata(dir);
  const featureReference = readReference(dir, metadata);
  let featureModel: tf.LayersModel | null = null;
  try {
    featureModel = await readLayersModel(path.join(dir, 'backbone'));
    const head = await readLayersModel(path.join(dir, 'head'));
    const { width, height } = metadata.preprocessing;
    const input = featureModel.inputs[0]!.shape;
    if (input[1] !== height || input[2] !== width) {
      throw new PneumoniaModelFileError(`${dir}: the backbone takes ${input[2]}x${input[1]} images but the metadata says ${width}x${height}.`);
    }
    if (featureReference && featureReference.mean.length !== featureModel.outputs[0]!.shape[3]) {
      throw new PneumoniaModelFileError(`${dir}: the feature reference is for ${featureReference.mean.length} features; the backbone has ${featureModel.outputs[0]!.shape[3]}.`);
    }
    return {
      metadata,
      featureReference,
      head,
      backbone: {
        kind: metadata.backbone.kind,
        architecture: metadata.architecture,
        featureModel,
        featureShape: featureShapeOf(featureModel),
        preprocessing: metadata.preprocessing,
        lastBlockLayers: metadata.backbone.lastBlockLayers,
        pretrained: metadata.backbone.pretrained,
        weightsSource: metadata.backbone.weightsSource,
      },
    };
  } catch (error) {
    featureModel?.dispose();
    if (error instanceof PneumoniaModelFileError) throw error;
    throw new PneumoniaModelFileError(`${dir}: the model's weights cannot be loaded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readReference(dir: string, metadata: PneumoniaModelMetadata): FeatureReference | null {
  let reference: FeatureReference | null;
  try {
    reference = readFeatureReference(dir);
  } catch (error) {
    throw new PneumoniaModelFileError(`${dir}: its feature reference cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (metadata.featureReference && !reference) throw new PneumoniaModelFileError(`${dir}: the metadata names a feature reference but the folder has no feature-reference.json.`);
  return reference;
}
