/**
 * Temperature scaling (Guo et al. 2017) of a binary classifier: p = sigmoid(logit / T), with T
 * chosen to minimise the negative log-likelihood of held-out labels. One parameter, monotonic in
 * the logit, so it changes probabilities but never the ranking (AUC, ROC shape).
 */
export const TEMPERATURE_BOUNDS = [0.05, 20] as const;

export function calibratedProbability(logit: number, temperature: number): number {
  return 1 / (1 + Math.exp(-logit / temperature));
}

/** Mean binary cross-entropy of sigmoid(logit / T), computed stably from the logits. */
export function temperatureNll(logits: readonly number[], labels: readonly (0 | 1)[], temperature: number): number {
  let sum = 0;
  logits.forEach((logit, i) => {
    const z = logit / temperature;
    // -log sigmoid(z) for a positive, -log(1 - sigmoid(z)) = -log sigmoid(-z) for a negative.
    const signed = labels[i] === 1 ? z : -z;
    sum += Math.max(-signed, 0) + Math.log1p(Math.exp(-Math.abs(signed)));
  });
  return sum / Math.max(1, logits.length);
}

/**
 * The NLL-minimising temperature within `bounds`, by golden-section search on log T. The NLL is
 * convex in 1/T (a one-weight logistic regression), hence unimodal in log T, so the search finds
 * the minimum; a perfectly separated set drives T to the lower bound.
 */
export function fitTemperature(logits: readonly number[], labels: readonly (0 | 1)[], bounds: readonly [number, number] = TEMPERATURE_BOUNDS): number {
  if (logits.length !== labels.length) throw new Error('logits and labels differ in length');
  if (logits.length === 0) throw new Error('Temperature scaling needs at least one scored image.');
  const nll = (logT: number) => temperatureNll(logits, labels, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [a, b] = [Math.log(bounds[0]), Math.log(bounds[1])];
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let [fc, fd] = [nll(c), nll(d)];
  while (b - a > 1e-7) {
    if (fc <= fd) {
      [b, d, fd] = [d, c, fc];
      c = b - ratio * (b - a);
      fc = nll(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + ratio * (b - a);
      fd = nll(d);
    }
  }
  // The ends themselves are candidates: the interior probes never reach them.
  const candidates = [Math.log(bounds[0]), (a + b) / 2, Math.log(bounds[1])];
  return Math.exp(candidates.reduce((best, x) => (nll(x) < nll(best) ? x : best)));
}
