/**
 * Patient-level k-fold cross-validation of pneumonia recipes over train+val, never the test split
 * (protocols: bench/results/pneumonia-protocol.md, then -v2.md). 73 validation images are too few
 * to compare recipes or to set a 95 %-sensitivity threshold (44 positives: one miss moves
 * sensitivity 2.3 points); out-of-fold scores of all 581 pool images are steadier. Phase 1 (frozen
 * backbone) is trained once per fold; the candidates are that phase-1 model and its phase-2
 * continuation at each learning rate, each scored plain and mirror-averaged (flip).
 * Writes bench/results/pneumonia-cv-v2.json (the first protocol's run is pneumonia-cv.json);
 * `bench:pneumonia --threshold-from FILE` reads the chosen candidate and its threshold.
 *
 *   npm run bench:pneumonia-cv -- [--folds 4] [--lr2 1e-5] [--epochs1 10] [--epochs2 5] [--seed 42] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { pneumoniaTrainingConfigSchema } from '@shared/ipc/pneumonia-contract';
import { confusionAt, describePoint, rocAuc, rocCurve, thresholdForSensitivity } from '@shared/metrics/binary-roc';
import { loadBackbone } from '../src-main/services/ml/pneumonia/backbone';
import { carveByPatient, splitDataset } from '../src-main/services/ml/pneumonia/dataset-split';
import { listKaggleSamples } from '../src-main/services/ml/pneumonia/kaggle-samples';
import { createPneumoniaNetwork, disposeNetwork, predictProbabilities } from '../src-main/services/ml/pneumonia/pneumonia-network';
import type { PneumoniaSample } from '../src-main/services/ml/pneumonia/pneumonia-sample';
import { trainPneumonia } from '../src-main/services/ml/pneumonia/pneumonia-trainer';
import { ResizedImageCache } from '../src-main/services/ml/pneumonia/resized-image-cache';
import { seededRandom } from '../src-main/services/ml/training/seeded-random';
import { selectBackend } from '../src-main/services/ml/runtime/backend-select';

const { values: args } = parseArgs({
  options: {
    folds: { type: 'string', default: '4' },
    lr2: { type: 'string', default: '1e-5' },
    epochs1: { type: 'string', default: '10' },
    epochs2: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'pneumonia-cv-v2.json') },
  },
});

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(repoRoot, '../shared/data'));
const dataDir = path.join(sharedData, 'chest_xray');
const weightsDir = path.join(sharedData, 'weights', 'mobilenetv2_035_224_imagenet_tm');
/** The final run's validation share of the pool (73 of 581): the inner validation set of each fold. */
const INNER_VALIDATION_FRACTION = 73 / 581;
/** Pooled OOF AUC a candidate must gain over the reference to replace it (protocol v2). */
const SELECTION_MARGIN = 0.002;

function candidateName(c: { phase2: boolean; lr2: number | null; flip: boolean }): string {
  const base = !c.phase2 ? 'P1 (phase 1 only)' : c.lr2 === 1e-5 ? 'A (recipe)' : `phase 2 Adam ${c.lr2}`;
  return c.flip ? `${base} + flip` : base;
}

const patientOf = (s: PneumoniaSample) => s.patientId ?? `file:${s.path}`;

/** Fold index per patient, stratified by the patient's majority label, patients shuffled by seed. */
function patientFolds(samples: readonly PneumoniaSample[], folds: number, seed: number): number[] {
  const random = seededRandom(seed);
  const byPatient = new Map<string, PneumoniaSample[]>();
  for (const s of samples) byPatient.set(patientOf(s), [...(byPatient.get(patientOf(s)) ?? []), s]);
  const foldOf = new Map<string, number>();
  for (const label of [0, 1] as const) {
    const patients = [...byPatient.entries()]
      .filter(([, images]) => (images.filter((i) => i.label === 1).length * 2 > images.length ? 1 : 0) === label)
      .map(([id]) => id)
      .sort();
    for (let i = patients.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [patients[i], patients[j]] = [patients[j]!, patients[i]!];
    }
    // Largest patients first into the fold with the fewest images so far: folds of even size.
    const sizes = Array.from({ length: folds }, () => 0);
    for (const id of patients) {
      const fold = sizes.indexOf(Math.min(...sizes));
      foldOf.set(id, fold);
      sizes[fold]! += byPatient.get(id)!.length;
    }
  }
  return samples.map((s) => foldOf.get(patientOf(s))!);
}

function summarise(scores: readonly number[], labels: readonly (0 | 1)[], threshold: number) {
  const p = describePoint(confusionAt(scores, labels, threshold));
  return { threshold, sensitivity: p.sensitivity, specificity: p.specificity, tp: p.tp, fp: p.fp, tn: p.tn, fn: p.fn };
}

async function main(): Promise<void> {
  await selectBackend('wasm');
  const folds = Number(args.folds);
  const lr2s = args.lr2!.split(',').map(Number);
  const config = pneumoniaTrainingConfigSchema.parse({
    backbone: { kind: 'mobilenetv2', weightsPath: weightsDir },
    data: { kind: 'folder', path: dataDir },
    phase1: { epochs: Number(args.epochs1), learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 },
    phase2: { epochs: Number(args.epochs2), learningRate: 1e-5, earlyStoppingPatience: 7, reduceLrPatience: 4 },
    seed: Number(args.seed),
    classWeights: true,
    backend: 'wasm',
  });
  const data = splitDataset(await listKaggleSamples(dataDir), { ...config, source: dataDir });
  // The test split is dropped here and never scored.
  const pool = [...data.train, ...data.val];
  const labels = pool.map((s) => s.label);
  const foldOf = patientFolds(pool, folds, config.seed);
  const images = new ResizedImageCache({ width: 224, height: 224 });
  let t = performance.now();
  await images.load(pool);
  console.log(`pool ${pool.length} images decoded in ${((performance.now() - t) / 1000).toFixed(1)} s; fold sizes ${Array.from({ length: folds }, (_, k) => foldOf.filter((f) => f === k).length)}`);

  // Candidates in the protocol's tie-break order: fewest departures from the recipe first.
  const candidateDefs = [
    ...lr2s.flatMap((lr2) => [false, true].map((flip) => ({ phase2: true, lr2, flip }))),
    ...[false, true].map((flip) => ({ phase2: false, lr2: null, flip })),
  ].map((c) => ({ ...c, name: candidateName(c) }));
  const oof = candidateDefs.map(() => new Array<number>(pool.length).fill(Number.NaN));
  const perFold: Record<string, unknown>[] = [];
  const started = performance.now();
  for (let k = 0; k < folds; k++) {
    const heldOut = pool.filter((_, i) => foldOf[i] === k);
    const heldIdx = pool.map((_, i) => i).filter((i) => foldOf[i] === k);
    const heldLabels = heldOut.map((s) => s.label);
    const [fit, innerVal] = carveByPatient(
      pool.filter((_, i) => foldOf[i] !== k),
      INNER_VALIDATION_FRACTION,
      seededRandom(config.seed + k),
    );
    const network = createPneumoniaNetwork(await loadBackbone(config.backbone), config.seed);
    const log = (r: { phase: number; epoch: number; valAuc: number; seconds: number }) =>
      console.log(`fold ${k} phase ${r.phase} epoch ${r.epoch}: inner val AUC ${r.valAuc.toFixed(3)} ${r.seconds.toFixed(1)} s`);
    const foldRecord: Record<string, unknown> = { fold: k, fit: fit.length, innerVal: innerVal.length, heldOut: heldOut.length, candidates: [] };
    /** Scores the held-out fold (and the inner validation set, for the product-side threshold policy) as candidate c. */
    const scoreAs = (c: number) => {
      const { flip, name } = candidateDefs[c]!;
      const held = Array.from(predictProbabilities(network, heldOut.map((s) => images.get(s)), 16, flip));
      held.forEach((p, j) => (oof[c]![heldIdx[j]!] = p));
      // The product-side policy: a threshold set on the run's own (small) validation set.
      const inner = Array.from(predictProbabilities(network, innerVal.map((s) => images.get(s)), 16, flip));
      const innerThreshold = thresholdForSensitivity(rocCurve(inner, innerVal.map((s) => s.label)), config.targetSensitivity) ?? config.threshold;
      const record = { name, heldOutAuc: rocAuc(rocCurve(held, heldLabels)), at030: summarise(held, heldLabels, 0.3), atInnerValThreshold: summarise(held, heldLabels, innerThreshold) };
      (foldRecord.candidates as unknown[]).push(record);
      console.log(`fold ${k} ${name}: held-out AUC ${record.heldOutAuc.toFixed(4)}, at 0.30 sens ${record.at030.sensitivity.toFixed(3)}, inner-val threshold ${innerThreshold.toFixed(4)} -> sens ${record.atInnerValThreshold.sensitivity.toFixed(3)} spec ${record.atInnerValThreshold.specificity.toFixed(3)}`);
    };
    t = performance.now();
    await trainPneumonia(network, { train: fit, val: innerVal, images }, { ...config, phase2: { ...config.phase2, epochs: 0 } }, { onEpoch: log });
    foldRecord.phase1Seconds = (performance.now() - t) / 1000;
    candidateDefs.forEach((c, i) => !c.phase2 && scoreAs(i));
    // Phase 2 changes the head and the last block only; every weight is snapshotted for simplicity.
    const phase1State = [...network.head.weights, ...network.backbone.featureModel.weights].map((v) => v.read().clone());
    for (const lr2 of lr2s) {
      [...network.head.weights, ...network.backbone.featureModel.weights].forEach((v, i) => v.write(phase1State[i]!));
      t = performance.now();
      await trainPneumonia(
        network,
        { train: fit, val: innerVal, images },
        { ...config, phase1: { ...config.phase1, epochs: 0 }, phase2: { ...config.phase2, learningRate: lr2 } },
        { onEpoch: log },
      );
      foldRecord[`phase2Seconds(${lr2})`] = (performance.now() - t) / 1000;
      candidateDefs.forEach((c, i) => c.phase2 && c.lr2 === lr2 && scoreAs(i));
    }
    tf.dispose(phase1State);
    disposeNetwork(network);
    perFold.push(foldRecord);
    writeReport(k + 1 === folds);
  }

  function writeReport(complete: boolean): void {
    const candidates = candidateDefs.map((def, c) => {
      const done = oof[c]!.map((p, i) => ({ p, l: labels[i]! })).filter((x) => !Number.isNaN(x.p));
      const scores = done.map((x) => x.p);
      const ls = done.map((x) => x.l);
      const roc = rocCurve(scores, ls);
      const threshold = thresholdForSensitivity(roc, config.targetSensitivity);
      return {
        ...def,
        pooledOofAuc: rocAuc(roc),
        oofImages: scores.length,
        thresholdForTarget: threshold,
        atThresholdForTarget: threshold === null ? null : summarise(scores, ls, threshold),
        at030: summarise(scores, ls, 0.3),
      };
    });
    // Protocol v2 rule: a candidate replaces the reference (the first one) only if its pooled OOF
    // AUC is at least 0.002 higher; among those the highest, ties to the earlier (fewer departures).
    const reference = candidates[0]!;
    const chosen = candidates.slice(1).reduce((best, c) => (c.pooledOofAuc >= reference.pooledOofAuc + SELECTION_MARGIN && c.pooledOofAuc > best.pooledOofAuc ? c : best), reference);
    const report = {
      bench: 'pneumonia-mobilenetv2-cv',
      protocol: 'bench/results/pneumonia-protocol-v2.md',
      complete,
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
      pool: { images: pool.length, normal: labels.filter((l) => l === 0).length, pneumonia: labels.filter((l) => l === 1).length, note: 'Kaggle train + val; the test split is never used' },
      folds,
      config: { epochs1: config.phase1.epochs, epochs2: config.phase2.epochs, lr1: config.phase1.learningRate, batchSize: config.batchSize, augment: config.augment, classWeights: config.classWeights, seed: config.seed, targetSensitivity: config.targetSensitivity },
      candidates,
      chosen: {
        name: chosen.name,
        lr2: chosen.lr2,
        phase2: chosen.phase2,
        flip: chosen.flip,
        threshold: chosen.thresholdForTarget,
        rule: `pooled OOF AUC; a candidate replaces ${reference.name} only if ≥ ${SELECTION_MARGIN} above it; threshold = highest with pooled OOF sensitivity ≥ targetSensitivity`,
      },
      perFold,
      totalSeconds: (performance.now() - started) / 1000,
      oofScores: pool.map((s, i) => ({ file: path.relative(dataDir, s.path), label: s.label, fold: foldOf[i], scores: candidateDefs.map((_, c) => Number(oof[c]![i]!.toFixed(5))) })),
    };
    mkdirSync(path.dirname(args.out!), { recursive: true });
    writeFileSync(args.out!, `${JSON.stringify(report, null, 2)}\n`);
    for (const c of candidates) {
      console.log(`${c.name}: pooled OOF AUC ${c.pooledOofAuc.toFixed(4)} (${c.oofImages} images), threshold for target ${c.thresholdForTarget} -> ${JSON.stringify(c.atThresholdForTarget)}`);
    }
    if (complete) console.log(`chosen: ${chosen.name}, threshold ${chosen.thresholdForTarget}`);
  }
}

await main();
