import { tf } from '../tfjs';
import type { DatasetSummary, Population, PneumoniaModelMetadata, PneumoniaTrainingConfig, ValidationRoc } from '@shared/ipc/pneumonia-contract';
import { rocAuc, rocCurve } from '@shared/metrics/binary-roc';
import { calibratedProbability, fitTemperature } from '@shared/metrics/temperature-scaling';
import { loadBackbone } from './backbone';
import { evaluatePneumoniaNetwork } from './evaluate-pneumonia';
import { fitFeatureReference, OUT_OF_FOLD_FOLDS } from './feature-reference';
import { heatmapLayerOf } from './heatmap-layer';
import { calibrationRecord } from './probability-calibration';
import { loadPneumoniaModel, savePneumoniaModel } from './pneumonia-model-files';
import { createPneumoniaNetwork, disposeNetwork, type PneumoniaNetwork } from './pneumonia-network';
import type { PneumoniaSample } from './pneumonia-sample';
import { trainPneumonia, type PneumoniaTrainingHooks } from './pneumonia-trainer';
import { logitsAndFeatures } from './pooled-features';
import { ResizedImageCache } from './resized-image-cache';
import { folderPopulation } from './training-population';

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
  /** Who the training images came from, worked out by the caller (database studies); for a folder, from the config. */
  population?: Population;
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
 * network, decode the images once, train both phases; then, from the validation images, the
 * temperature and the ROC the threshold presets use; the feature reference from the training
 * images (cut-offs on validation and out-of-fold images); the evaluation on the test split with
 * calibrated probabilities; save. Call after the backend is selected.
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
    hooks.onPhase?.('evaluating', 'Calibrating on the validation images', 0, 1);
    const valLabels = data.val.map((s) => s.label);
    const trainScores = logitsAndFeatures(network, data.train.map((s) => images.get(s)), config.batchSize);
    const valScores = logitsAndFeatures(network, data.val.map((s) => images.get(s)), config.batchSize);
    const source = `${data.summary.source} (dataset ${data.summary.fingerprint.slice(0, 12)})`;
    const heatmapLayer = heatmapLayerOf(network.backbone.featureModel);
    const temperature = fitTemperature(valScores.logits, valLabels);
    const { evaluation, logits: testLogits } = await evaluatePneumoniaNetwork(network, data.test, {
      evaluatedOn: `test split of ${source}, ${data.test.length} images`,
      threshold: config.threshold,
      targetSensitivity: config.targetSensitivity,
      batchSize: config.batchSize,
      temperature,
      heatmapLayer,
      onProgress: (done, total) => hooks.onPhase?.('evaluating', 'Scoring the test images', done, total),
    });
    const calibration = calibrationRecord(
      temperature,
      { logits: valScores.logits, labels: valLabels, describedAs: `validation split of ${source}, ${data.val.length} images` },
      { logits: testLogits, labels: data.test.map((s) => s.label) },
    );
    const valRoc = rocCurve(valScores.logits.map((z) => calibratedProbability(z, temperature)), valLabels);
    const validation: ValidationRoc = { evaluatedOn: calibration.fittedOn, images: data.val.length, auc: rocAuc(valRoc), rocPoints: valRoc };
    const featureReference = fitFeatureReference({
      train: { features: trainScores.features, groups: data.train.map((s) => s.patientId ?? s.path) },
      val: valScores.features,
      describe: {
        method: `Backbone feature map (${network.backbone.featureShape.join('x')}) averaged over space`,
        fittedOn: `training split of ${source}, ${data.train.length} images`,
        cutoffSetOn: `${data.val.length} validation images and ${data.train.length} training images scored out of fold (${OUT_OF_FOLD_FOLDS} folds by patient)`,
      },
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
      population: request.population ?? folderPopulation(config, [...data.train, ...data.val, ...data.test]),
      calibration,
      validation,
      featureReference: featureReference.summary,
      heatmapLayer,
    };
    hooks.onPhase?.('saving', 'Saving the model', 0, 1);
    await savePneumoniaModel(network, metadata, request.outDir, featureReference);
    return { outcome: 'completed', metadata };
  } finally {
    disposeNetwork(network);
  }
}
