import { describe, expect, it } from 'vitest';
import { calibratedProbability, fitTemperature, temperatureNll, TEMPERATURE_BOUNDS } from '@shared/metrics/temperature-scaling';

describe('temperature scaling', () => {
  it('finds the temperature that makes an overconfident score match its observed frequency', () => {
    // Every case scores logit ±2 ln 3 (p = 0.9 or 0.1), but only 3 of 4 are right: NLL is least
    // where sigmoid(2 ln 3 / T) = 0.75 = sigmoid(ln 3), so T = 2 exactly.
    const z = 2 * Math.log(3);
    const logits = [z, z, z, z, -z, -z, -z, -z];
    const labels: (0 | 1)[] = [1, 1, 1, 0, 0, 0, 0, 1];
    const t = fitTemperature(logits, labels);
    expect(t).toBeCloseTo(2, 5);
    expect(calibratedProbability(z, t)).toBeCloseTo(0.75, 6);
    for (const other of [1.9, 2.1]) expect(temperatureNll(logits, labels, t)).toBeLessThan(temperatureNll(logits, labels, other));
  });

  it('sharpens an underconfident classifier (T < 1) and stops at the bounds', () => {
    // Logit ±ln 3 (p = 0.75) but 9 of 10 right: T = ln 3 / ln 9 = 0.5.
    const logits = [...Array<number>(10).fill(Math.log(3)), ...Array<number>(10).fill(-Math.log(3))];
    const labels = [...Array<0 | 1>(9).fill(1), 0, ...Array<0 | 1>(9).fill(0), 1] as (0 | 1)[];
    expect(fitTemperature(logits, labels)).toBeCloseTo(0.5, 5);
    // Perfectly separated: the sharper the better, down to the lower bound.
    expect(fitTemperature([1, 2, -1, -3], [1, 1, 0, 0])).toBeCloseTo(TEMPERATURE_BOUNDS[0], 6);
    // Always wrong: as flat as allowed.
    expect(fitTemperature([1, -1], [0, 1])).toBeCloseTo(TEMPERATURE_BOUNDS[1], 6);
  });

  it('is stable for huge logits and refuses empty or mismatched input', () => {
    expect(Number.isFinite(temperatureNll([800, -800], [0, 1], 1))).toBe(true);
    expect(temperatureNll([800], [0], 1)).toBeCloseTo(800, 6);
    expect(() => fitTemperature([], [])).toThrow(/at least one/);
    expect(() => fitTemperature([1], [1, 0])).toThrow(/differ in length/);
  });
});
