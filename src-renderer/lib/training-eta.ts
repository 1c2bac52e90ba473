/** One progress report of a training phase, stamped when it arrived. */
export interface BatchMark {
  at: number;
  phase: 1 | 2;
  epoch: number;
  batch: number;
}

export interface PhasePlan {
  batches: number;
  epochs: number;
  /** Epochs still to come in later phases (phase 2 while in phase 1), each of `batches` batches. */
  laterEpochs: number;
}

/**
 * Seconds left until the last planned epoch, from the pace since `first` (the first report seen in
 * this phase): the same estimate as the CIFAR-10 panel's, batches left times seconds per batch.
 * Early stopping can end the run sooner, and evaluation adds a little after it. Null until the pace is known.
 */
export function secondsLeft(first: BatchMark, now: BatchMark, plan: PhasePlan): number | null {
  if (first.phase !== now.phase || plan.batches <= 0) return null;
  const done = (now.epoch - first.epoch) * plan.batches + (now.batch - first.batch);
  if (done <= 0 || now.at <= first.at) return null;
  const perBatch = (now.at - first.at) / 1000 / done;
  const left = plan.batches - now.batch + Math.max(0, plan.epochs - now.epoch) * plan.batches + plan.laterEpochs * plan.batches;
  return Math.max(0, left * perBatch);
}
