import { createHash } from 'node:crypto';
import type { ClassCounts, DatasetSummary } from '@shared/ipc/pneumonia-contract';
import { seededRandom, shuffle } from '../training/seeded-random';
import { PneumoniaDataError } from './pneumonia-data-error';
import type { PneumoniaSample } from './pneumonia-sample';

export interface SplitOptions {
  /** Share of patients carved from train for validation (and for test when the source has none). */
  validationFraction: number;
  /** A given validation split smaller than this is merged back into train and re-carved by patient. */
  minValidationImages: number;
  seed: number;
  /** Use at most this many training images (a quick run); null for all. */
  maxTrainImages?: number | null;
  /** Written into the summary (the folder, or "studies"). */
  source: string;
}

export interface DatasetSplits {
  train: PneumoniaSample[];
  val: PneumoniaSample[];
  test: PneumoniaSample[];
  summary: DatasetSummary;
}

/** An image with no patient id is its own patient. */
const patientOf = (s: PneumoniaSample) => s.patientId ?? `file:${s.path}`;

/**
 * Splits samples into train, validation and test, never putting one patient's images on both
 * sides. The source's own test split is the test set; without one, a share of patients is
 * carved out for it (a database study has no splits, and a model needs an honest test).
 * The source's validation split is used unless it is smaller than `minValidationImages`; then
 * `validationFraction` of the training patients, stratified by label, become the validation set.
 */
export function splitDataset(samples: readonly PneumoniaSample[], options: SplitOptions): DatasetSplits {
  const random = seededRandom(options.seed);
  let test = samples.filter((s) => s.split === 'test');
  let pool = samples.filter((s) => s.split !== 'test' && s.split !== 'val');
  const givenVal = samples.filter((s) => s.split === 'val');
  if (test.length === 0) {
    [pool, test] = carveByPatient(pool, options.validationFraction, random);
  }
  let val: PneumoniaSample[];
  let validationSplit: DatasetSummary['validationSplit'];
  if (givenVal.length >= options.minValidationImages && givenVal.length > 0) {
    val = givenVal;
    validationSplit = 'given';
  } else {
    [pool, val] = carveByPatient([...pool, ...givenVal], options.validationFraction, random);
    validationSplit = 'by-patient';
  }
  // Patients whose images sit in more than one given split would leak between them.
  assertDisjointPatients(pool, val, test);
  let train = pool;
  if (options.maxTrainImages && train.length > options.maxTrainImages) {
    const [, kept] = carveByPatient(train, options.maxTrainImages / train.length, random);
    train = kept;
  }
  for (const [name, set] of [['training', train], ['validation', val], ['test', test]] as const) {
    const counts = countClasses(set);
    if (counts.normal === 0 || counts.pneumonia === 0) {
      throw new PneumoniaDataError(
        `The ${name} set has ${counts.normal} normal and ${counts.pneumonia} pneumonia images: both classes are needed (add images of the missing class).`,
      );
    }
  }
  return {
    train,
    val,
    test,
    summary: {
      fingerprint: fingerprintOf({ train, val, test }),
      source: options.source,
      train: countClasses(train),
      val: countClasses(val),
      test: countClasses(test),
      validationSplit,
      patients: { train: patientCount(train), val: patientCount(val), test: patientCount(test) },
    },
  };
}

/**
 * Moves about `fraction` of the images to a new set, whole patients at a time, label by label
 * (a patient counts under the label of most of their images). Returns [rest, carved].
 */
export function carveByPatient(samples: readonly PneumoniaSample[], fraction: number, random: () => number): [PneumoniaSample[], PneumoniaSample[]] {
  const byPatient = new Map<string, PneumoniaSample[]>();
  for (const s of samples) byPatient.set(patientOf(s), [...(byPatient.get(patientOf(s)) ?? []), s]);
  const carved = new Set<string>();
  for (const label of [0, 1] as const) {
    const patients = [...byPatient.entries()]
      .filter(([, images]) => (images.filter((i) => i.label === 1).length * 2 > images.length ? 1 : 0) === label)
      .map(([id]) => id)
      .sort();
    shuffle(patients, random);
    const wanted = Math.round(fraction * patients.reduce((n, id) => n + byPatient.get(id)!.length, 0));
    let taken = 0;
    for (const id of patients) {
      if (taken >= wanted) break;
      carved.add(id);
      taken += byPatient.get(id)!.length;
    }
  }
  return [samples.filter((s) => !carved.has(patientOf(s))), samples.filter((s) => carved.has(patientOf(s)))];
}

function assertDisjointPatients(...sets: PneumoniaSample[][]): void {
  const owner = new Map<string, number>();
  sets.forEach((set, index) => {
    for (const s of set) {
      if (s.patientId === null) continue;
      const seen = owner.get(s.patientId);
      if (seen !== undefined && seen !== index) {
        throw new PneumoniaDataError(`Patient ${s.patientId} has images in more than one of train, validation and test; one patient's images must stay in one split.`);
      }
      owner.set(s.patientId, index);
    }
  });
}

export function countClasses(samples: readonly PneumoniaSample[]): ClassCounts {
  const pneumonia = samples.filter((s) => s.label === 1).length;
  return { normal: samples.length - pneumonia, pneumonia };
}

function patientCount(samples: readonly PneumoniaSample[]): number {
  return new Set(samples.map(patientOf)).size;
}

/** SHA-256 over the sorted `contentHash,label,split` lines of every image used. */
export function fingerprintOf(sets: { train: readonly PneumoniaSample[]; val: readonly PneumoniaSample[]; test: readonly PneumoniaSample[] }): string {
  const lines = (['train', 'val', 'test'] as const).flatMap((split) => sets[split].map((s) => `${s.contentHash},${s.label},${split}`)).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
