/** A proportion's 95 % confidence interval, from the counts behind it. */
export interface ProportionInterval {
  low: number;
  high: number;
  successes: number;
  total: number;
}

const Z_95 = 1.959963984540054;

/**
 * Wilson's score interval (Brown, Cai & DasGupta 2001 recommend it over the normal approximation,
 * which collapses to zero width at 0 % or 100 %, the usual case for sensitivity near 1). Null
 * when there is nothing to count.
 */
export function wilsonInterval(successes: number, total: number, z = Z_95): ProportionInterval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(total) || successes < 0 || successes > total) {
    throw new Error(`A proportion needs whole counts with 0 <= successes <= total; got ${successes} of ${total}.`);
  }
  if (total === 0) return null;
  const p = successes / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  // At 0 or all the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === total ? 1 : Math.min(1, centre + half);
  return { low, high, successes, total };
}

/** The intervals of an operating point's four rates, from its confusion counts. */
export function operatingIntervals(point: { tp: number; fp: number; tn: number; fn: number }) {
  const { tp, fp, tn, fn } = point;
  return {
    sensitivity: wilsonInterval(tp, tp + fn),
    specificity: wilsonInterval(tn, tn + fp),
    ppv: wilsonInterval(tp, tp + fp),
    npv: wilsonInterval(tn, tn + fn),
  };
}
