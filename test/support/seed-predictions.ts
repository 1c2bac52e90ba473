import sharp from 'sharp';
import type { AppServices } from '../../src-main/services/app/app-services';
import type { Verdict } from '@shared/domain/verdict';
import type { StudyRow } from '@shared/ipc/contract';
import { rocAuc, rocCurve } from '@shared/metrics/binary-roc';

/**
 * A test fixture, not a model: registers a pneumonia "model version" whose stored predictions
 * are a fixed function of each study's ground-truth label and id, so the worklist, the threshold
 * control and the exports can be exercised before a real model exists. Scores of pneumonia
 * studies spread over 0.35–0.95 and normal ones over 0.05–0.65, so they overlap like a real model's.
 */
export async function seedPredictions(
  services: AppServices,
  options: {
    name?: string;
    threshold?: number;
    activate?: boolean;
    heatmaps?: boolean;
    /** A verdict other than the default (not applicable for not-applicable studies, else in scope). */
    verdictOf?: (row: StudyRow) => { verdict: Verdict; reason: string } | null;
  } = {},
): Promise<number> {
  const { rows } = services.studies.list({ limit: 1_000_000, offset: 0 });
  const scored = rows.map((row) => {
    const spread = ((row.id * 37) % 100) / 100;
    const probability = row.label === 'pneumonia' ? 0.35 + 0.6 * spread : 0.05 + 0.6 * spread;
    return { row, probability: Math.round(probability * 1000) / 1000 };
  });
  const labelled = scored.filter((s) => s.row.label !== null);
  const rocPoints = rocCurve(
    labelled.map((s) => s.probability),
    labelled.map((s) => (s.row.label === 'pneumonia' ? 1 : 0)),
  );
  const threshold = options.threshold ?? 0.3;
  const id = services.models.register({
    task: 'pneumonia',
    name: options.name ?? 'fixture-v1',
    architecture: 'test fixture',
    storagePath: 'none',
    threshold,
    metadata: {
      intendedUse: 'Test fixture: scores derived from the known labels; not a model.',
      evaluation: { evaluatedOn: `fixture scores of ${labelled.length} labelled studies`, auc: rocAuc(rocPoints), rocPoints },
    },
  });
  const heatmap = options.heatmaps ? await fixtureHeatmap() : null;
  for (const { row, probability } of scored) {
    const verdict =
      row.status === 'not_applicable'
        ? { verdict: 'not_applicable' as const, reason: 'not a chest radiograph' }
        : (options.verdictOf?.(row) ?? { verdict: 'in_scope' as const, reason: null });
    const applies = verdict.verdict !== 'not_applicable';
    services.predictions.record({
      imageId: row.thumbnailImageId,
      modelVersionId: id,
      verdict: verdict.verdict,
      verdictReason: verdict.reason,
      probability: applies ? probability : null,
      threshold,
      heatmap: applies ? heatmap : null,
    });
  }
  if (options.activate ?? true) services.models.activate(id);
  return id;
}

/** A 32x32 grayscale PNG with one bright blob in the right lower zone: something visible to toggle. */
async function fixtureHeatmap(): Promise<Buffer> {
  const size = 32;
  const pixels = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) pixels[y * size + x] = Math.max(0, 255 - 24 * Math.hypot(x - 10, y - 20));
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
}
