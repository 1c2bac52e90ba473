import * as tf from '@tensorflow/tfjs';
import type { DatasetSummary, PneumoniaModelMetadata, PneumoniaTrainingConfig } from '@shared/ipc/pneumonia-contract';
import { loadBackbone } from './backbone';
import { evaluatePneumoniaNetwork } from './evaluate-pneumonia';
import { loadPneumoniaModel, savePneumoniaModel } from './pneumonia-model-files';
import { createPneumoniaNetwork, disposeNetwork, type PneumoniaNetwork } from './pneumonia-network';
import type { PneumoniaSample } from './pneumonia-sample';
import { trainPneumonia, type PneumoniaTrainingHooks } from './pneumonia-trainer';
import { ResizedImageCache } from './resized-image-cache';

export const HEAD_DESCRIPTION = 'GAP, Dense(256, relu), BN, Dropout(0.5), Dense(64, relu), Dropout(0.3), Dense(1, sigmoid)';
export const INTENDED_USE =
  'Triage aid for chest X-rays: orders a worklist and highlights regions for a radiologist to read first. Not a diagnosis; every image is still read by a clinician.';

export interface PneumoniaTrainingRequest {
  config: PneumoniaTrainingConfig;
  data: { train: PneumoniaSample[]; val: PneumoniaSample[]; test: PneumoniaSample[]; summary: DatasetSummary };
  /** Where the trained model folder is written (complete, metadata.json included) when the run completes. */
  outDir: string;
  /** Fine-tune this saved model (its backbone and head) instead of a fresh head on `config.backbone`. */
  baseModelDir: string | null;
}

export interface PneumoniaRunHooks extends PneumoniaTrainingHooks {
  onPhase?(stage: 'preparing' | 'evaluating' | 'saving', message: string, done: number, total: number): void;
}

export interface PneumoniaRunResult {
  outcome: 'completed' | 'stopped';
  /** The saved model's metadata when completed. */
  metadata: PneumoniaModelMetadata | null;
}

/**
 * The whole run the compute worker performs for a training request: build (or load) the
 * network, decode the images once, train both phases, evaluate on the test split, save.
 * Call after the backend is selected.
 */
export async function runPneumoniaTraining(request: PneumoniaTrainingRequest, hooks: PneumoniaRunHooks = {}): Promise<PneumoniaRunResult> {
  const { config, data } = request;
  if (data.test.length === 0) throw new Error('The data has no test images, so the model could not be evaluated.');
  hooks.onPhase?.('preparing', 'Loading the backbone', 0, 1);
  const network: PneumoniaNetwork = request.baseModelDir
    ? await loadPneumoniaModel(request.baseModelDir)
    : createPneumoniaNetwork(await loadBackbone(config.backbone), config.seed);
  try {
    const images = new ResizedImageCache(network.backbone.preprocessing);
    await images.load([...data.train, ...data.val], (done, total) => hooks.onPhase?.('preparing', 'Decoding images', done, total));
    const training = await trainPneumonia(network, { train: data.train, val: data.val, images }, config, hooks);
    if (training.stopped) return { outcome: 'stopped', metadata: null };
    const { evaluation } = await evaluatePneumoniaNetwork(network, data.test, {
      evaluatedOn: `test split of ${data.summary.source} (${data.test.length} images, dataset ${data.summary.fingerprint.slice(0, 12)})`,
      threshold: config.threshold,
      targetSensitivity: config.targetSensitivity,
      batchSize: config.batchSize,
      onProgress: (done, total) => hooks.onPhase?.('evaluating', 'Scoring the test images', done, total),
    });
    const { backbone } = network;
    const metadata: PneumoniaModelMetadata = {
      format: 'cxr-triage-pneumonia-model',
      formatVersion: 1,
      task: 'pneumonia',
      architecture: `${backbone.architecture} + ${HEAD_DESCRIPTION}`,
      backbone: { kind: backbone.kind, pretrained: backbone.pretrained, weightsSource: backbone.weightsSource, lastBlockLayers: backbone.lastBlockLayers },
      preprocessing: backbone.preprocessing,
      classNames: ['normal', 'pneumonia'],
      trainingConfig: config,
      dataset: data.summary,
      history: training.history,
      evaluation,
      threshold: config.threshold,
      backend: tf.getBackend(),
      intendedUse: INTENDED_USE,
      createdAt: new Date().toISOString(),
    };
    hooks.onPhase?.('saving', 'Saving the model', 0, 1);
    await savePneumoniaModel(network, metadata, request.outDir);
    return { outcome: 'completed', metadata };
  } finally {
    disposeNetwork(network);
  }
}
