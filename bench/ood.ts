/**
 * Does the feature reference tell unusual images from the training population? Trains a version
 * exactly as the app does (the recipe on ../shared/data/chest_xray, MobileNetV2 with ImageNet
 * weights; the reference, its cut-offs and the temperature are fitted inside that run on train,
 * validation and out-of-fold images, never test), then scores sets through the worker's scorer
 * and reports the share judged unusual (featureDistance > 1):
 * - the dev test split (in population: target <= 5 %), and the same films turned 90 degrees and inverted;
 * - 1,000 CIFAR-10 test pictures (target >= 99 %);
 * - the shared corpus's DICOM files that are not chest radiographs (target >= 95 %).
 * Also: where Grad-CAM peaks on the test split's pneumonias (the 14x14 map, against the 7x7 map
 * of the backbone's output in the same run), and the calibration before/after on test.
 * Writes bench/results/ood.json.
 *
 *   npm run bench:ood -- [--epochs1 10] [--epochs2 5] [--cifar-per-class 100] [--out FILE] [--keep-model DIR]
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pneumoniaTrainingConfigSchema } from '@shared/ipc/pneumonia-contract';
import type { GreyImage } from '../src-main/services/imaging/dicom/dicom-image';
import { splitDataset } from '../src-main/services/ml/pneumonia/dataset-split';
import { featureStatistics, type FeatureReference } from '../src-main/services/ml/pneumonia/feature-reference';
import { listKaggleSamples } from '../src-main/services/ml/pneumonia/kaggle-samples';
import { loadGrey } from '../src-main/services/ml/pneumonia/load-grey';
import { loadPneumoniaModel } from '../src-main/services/ml/pneumonia/pneumonia-model-files';
import type { ScoreResult } from '../src-main/services/ml/pneumonia/pneumonia-sample';
import { createPneumoniaScorer, scorerOptionsOf, type PneumoniaScorer } from '../src-main/services/ml/pneumonia/pneumonia-scorer';
import { disposeNetwork } from '../src-main/services/ml/pneumonia/pneumonia-network';
import { runPneumoniaTraining } from '../src-main/services/ml/pneumonia/run-pneumonia-training';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';
import { inverted, readCifarTestImages, readNonChestDicom, rotated90 } from './ood-sets';

const { values: args } = parseArgs({
  options: {
    epochs1: { type: 'string', default: '10' },
    epochs2: { type: 'string', default: '5' },
    'cifar-per-class': { type: 'string', default: '100' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'ood.json') },
    /** Keep the trained model folder here (otherwise it is deleted). */
    'keep-model': { type: 'string' },
  },
});

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(repoRoot, '../shared/data'));
const dataDir = path.join(sharedData, 'chest_xray');
const weightsDir = path.join(sharedData, 'weights', 'mobilenetv2_035_224_imagenet_tm');

/** MobileNetV2's last 14x14 layer, one stage before the feature map. */
const EARLIER_14X14_LAYER = 'block_13_expand_relu';

/** The lung-field box, fixed before the run: peak cell centre within 10-45 % or 55-90 % of the width and 15-85 % of the height. */
const LUNG_BOX = { x: [[0.1, 0.45], [0.55, 0.9]], y: [0.15, 0.85] } as const;

async function scoreAll(scorer: PneumoniaScorer, images: readonly GreyImage[]): Promise<ScoreResult[]> {
  const out: ScoreResult[] = [];
  for (let start = 0; start < images.length; start += 16) out.push(...(await scorer.scoreBatch(images.slice(start, start + 16))));
  return out;
}

function unusualShares(reference: FeatureReference, results: readonly ScoreResult[]) {
  const stats = results.map((r) => featureStatistics(reference, r.features));
  const mahal = stats.map((s) => s.mahalanobis / reference.cutoffs.mahalanobis);
  const resid = stats.map((s) => s.residual / reference.cutoffs.residual);
  const distances = stats.map((_, i) => Math.max(mahal[i]!, resid[i]!));
  const share = (v: number[]) => v.filter((d) => d > 1).length / Math.max(1, v.length);
  const sorted = [...distances].sort((a, b) => a - b);
  return {
    images: results.length,
    unusual: distances.filter((d) => d > 1).length,
    unusualShare: share(distances),
    byMahalanobisAlone: share(mahal),
    byResidualAlone: share(resid),
    medianFeatureDistance: sorted[Math.floor(sorted.length / 2)] ?? null,
  };
}

const inLungBox = (x: number, y: number) => LUNG_BOX.x.some(([a, b]) => x >= a && x <= b) && y >= LUNG_BOX.y[0] && y <= LUNG_BOX.y[1];

/** Where a heatmap points: its peak cell in the lung box, its peak on the map's outer ring, and its share of the total inside the box. */
function heatmapPlacement(heatmap: ScoreResult['heatmap']): { peakInLungs: boolean; peakOnBorder: boolean; massInLungs: number } {
  const { width, height, data } = heatmap;
  let [best, at, total, inside] = [-1, -1, 0, 0];
  data.forEach((v, i) => {
    if (v > best) [best, at] = [v, i];
    total += v;
    if (inLungBox(((i % width) + 0.5) / width, (Math.floor(i / width) + 0.5) / height)) inside += v;
  });
  const [x, y] = [at % width, Math.floor(at / width)];
  return {
    peakInLungs: best > 0 && inLungBox((x + 0.5) / width, (y + 0.5) / height),
    peakOnBorder: best > 0 && (x === 0 || y === 0 || x === width - 1 || y === height - 1),
    massInLungs: total > 0 ? inside / total : 0,
  };
}

function placementSummary(layer: string | undefined, results: readonly ScoreResult[]) {
  const placed = results.map((r) => heatmapPlacement(r.heatmap));
  const share = (f: (p: (typeof placed)[number]) => boolean) => placed.filter(f).length / Math.max(1, placed.length);
  return {
    layer,
    size: results[0] ? `${results[0].heatmap.width}x${results[0].heatmap.height}` : null,
    peakInLungFields: share((p) => p.peakInLungs),
    peakOnOuterRing: share((p) => p.peakOnBorder),
    meanShareOfMapInLungBox: placed.reduce((sum, p) => sum + p.massInLungs, 0) / Math.max(1, placed.length),
  };
}

async function main(): Promise<void> {
  const backend = await selectBackend('wasm');
  const config = pneumoniaTrainingConfigSchema.parse({
    backbone: { kind: 'mobilenetv2', weightsPath: weightsDir },
    data: { kind: 'folder', path: dataDir },
    phase1: { epochs: Number(args.epochs1), learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 },
    phase2: { epochs: Number(args.epochs2), learningRate: 1e-5, earlyStoppingPatience: 7, reduceLrPatience: 4 },
    backend: 'wasm',
  });
  const data = splitDataset(await listKaggleSamples(dataDir), { ...config, source: dataDir });
  const outDir = args['keep-model'] ? path.resolve(args['keep-model']) : path.join(mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-ood-')), 'model');
  const started = performance.now();
  const run = await runPneumoniaTraining({ config, data, outDir, baseModelDir: null }, {
    onEpoch: (r) => console.log(`phase ${r.phase} epoch ${r.epoch}: val auc ${r.valAuc.toFixed(3)} (${r.seconds.toFixed(1)} s)`),
  });
  const trainingSeconds = (performance.now() - started) / 1000;
  const metadata = run.metadata!;
  const model = await loadPneumoniaModel(outDir);
  const reference = model.featureReference!;
  const scorer = createPneumoniaScorer(model, scorerOptionsOf(metadata));

  const chest = await Promise.all(data.test.map((s) => loadGrey(s)));
  const [testResults, rotatedResults, invertedResults] = [
    await scoreAll(scorer, chest),
    await scoreAll(scorer, chest.map(rotated90)),
    await scoreAll(scorer, chest.map(inverted)),
  ];
  const cifar = await readCifarTestImages(path.join(sharedData, 'cifar10', 'cifar-10-images.tar.gz'), Number(args['cifar-per-class']));
  const cifarResults = await scoreAll(scorer, cifar.map((c) => c.image));
  const dicom = await readNonChestDicom(path.join(sharedData, 'dicom'));
  const dicomResults = await scoreAll(scorer, dicom.images.map((d) => d.image));
  const modalities = [...new Set(dicom.images.map((d) => d.modality))].sort();

  // Grad-CAM peaks on the test pneumonias: the version's 14x14 map (the feature map at half-cell
  // offsets), the plain 7x7 map, and the 14x14 map of the layer one stage earlier, measured and rejected.
  const pneumonias = data.test.flatMap((s, i) => (s.label === 1 ? [chest[i]!] : []));
  const peerLayer = model.backbone.featureModel.outputs[0]!.sourceLayer.name;
  const peer = createPneumoniaScorer(model, { ...scorerOptionsOf(metadata), heatmapLayer: peerLayer, halfCellShifts: false });
  const earlier = createPneumoniaScorer(model, { ...scorerOptionsOf(metadata), heatmapLayer: EARLIER_14X14_LAYER });
  const fine = await scoreAll(scorer, pneumonias);
  const coarse = await scoreAll(peer, pneumonias);
  const earlierMaps = await scoreAll(earlier, pneumonias);
  disposeNetwork(model);

  const calibration = metadata.calibration!;
  const report = {
    bench: 'ood',
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
    backend: `${backend.backend} (${backend.device})`,
    model: {
      note: 'trained by runPneumoniaTraining exactly as the app trains a version (phase 1 head, phase 2 last block), so the reference is on the trained backbone, fitted inside that run',
      epochs: { phase1: config.phase1.epochs, phase2: config.phase2.epochs },
      trainingSeconds,
      testAuc: metadata.evaluation.auc,
      validationAuc: metadata.validation!.auc,
    },
    reference: {
      ...metadata.featureReference!,
      components: reference.components.length,
      featureSize: reference.mean.length,
      cutoffs: reference.cutoffs,
    },
    unusual: {
      devTestSplit: { target: '<= 5 %', ...unusualShares(reference, testResults) },
      cifar10Test: { target: '>= 99 %', source: `first ${args['cifar-per-class']} test images of each class, cifar-10-images.tar.gz`, ...unusualShares(reference, cifarResults) },
      nonChestDicom: {
        target: '>= 95 %',
        source: 'every file of ../shared/data/dicom whose modality is not CR/DX or whose body part is not the chest, rendered for the model (the same image appears in several transfer syntaxes)',
        modalities,
        chestRadiographsLeftOut: dicom.chestSkipped,
        undecodable: dicom.undecodable,
        ...unusualShares(reference, dicomResults),
      },
      devTestRotated90: { target: 'report', ...unusualShares(reference, rotatedResults) },
      devTestInverted: { target: 'report', ...unusualShares(reference, invertedResults) },
    },
    gradCamPeakInLungFields: {
      rule: 'the peak cell (first maximum) centre within 10-45 % or 55-90 % of the width and 15-85 % of the height; an all-zero map counts as outside. For scale: that box holds 100 of the 196 cells of a 14x14 map and 20 of the 49 of a 7x7 one',
      images: pneumonias.length,
      heatmap: placementSummary(metadata.heatmapLayer, fine),
      peer7x7: placementSummary(peerLayer, coarse),
      earlier14x14: placementSummary(EARLIER_14X14_LAYER, earlierMaps),
    },
    calibration: {
      temperature: calibration.temperature,
      fittedOn: calibration.fittedOn,
      validationEce: { before: calibration.validation.before.ece, after: calibration.validation.after.ece },
      testEce: calibration.test ? { before: calibration.test.before.ece, after: calibration.test.after.ece } : null,
    },
  };
  mkdirSync(path.dirname(args.out!), { recursive: true });
  writeFileSync(args.out!, `${JSON.stringify(report, null, 2)}\n`);
  if (!args['keep-model']) rmSync(path.dirname(outDir), { recursive: true, force: true });
  for (const [name, set] of Object.entries(report.unusual)) console.log(`${name}: ${(100 * set.unusualShare).toFixed(1)} % unusual of ${set.images} (target ${set.target})`);
  console.log(`held-out in-population false alarms: ${(100 * report.reference.heldOutUnusualRate).toFixed(1)} %`);
  const cam = report.gradCamPeakInLungFields;
  console.log(`Grad-CAM peak in the lung fields: ${cam.heatmap.size} ${(100 * cam.heatmap.peakInLungFields).toFixed(1)} %, ${cam.peer7x7.size} ${(100 * cam.peer7x7.peakInLungFields).toFixed(1)} %`);
  console.log(`temperature ${calibration.temperature.toFixed(3)}; test ECE ${report.calibration.testEce?.before.toFixed(3)} -> ${report.calibration.testEce?.after.toFixed(3)}`);
}

await main();
