import type { Verdict } from '@shared/domain/verdict';
import type { Db } from '../db/database';

export interface NewPrediction {
  imageId: number;
  modelVersionId: number;
  verdict: Verdict;
  verdictReason: string | null;
  /** Null exactly when the verdict is `not_applicable` (the table refuses anything else). */
  probability: number | null;
  featureDistance?: number | null;
  threshold: number;
  heatmap?: Buffer | null;
}

/**
 * Scores, each tied to the model version and the threshold in force when it was made, with the
 * version's verdict on the image: the one source every screen and export reads applicability from.
 */
export class PredictionRepository {
  constructor(private readonly db: Db) {}

  record(prediction: NewPrediction): void {
    this.db
      .prepare(
        `INSERT INTO predictions (image_id, model_version_id, verdict, verdict_reason, probability, feature_distance, threshold, heatmap, created_at)
         VALUES (@imageId, @modelVersionId, @verdict, @verdictReason, @probability, @featureDistance, @threshold, @heatmap, @now)
         ON CONFLICT (image_id, model_version_id)
         DO UPDATE SET verdict = excluded.verdict, verdict_reason = excluded.verdict_reason, probability = excluded.probability,
                       feature_distance = excluded.feature_distance, threshold = excluded.threshold,
                       heatmap = excluded.heatmap, created_at = excluded.created_at`,
      )
      .run({ ...prediction, featureDistance: prediction.featureDistance ?? null, heatmap: prediction.heatmap ?? null, now: new Date().toISOString() });
  }

  /** Stores the heatmap of a prediction made without one (heatmaps are drawn after the score). */
  setHeatmap(imageId: number, modelVersionId: number, heatmap: Buffer): void {
    this.db
      .prepare("UPDATE predictions SET heatmap = ? WHERE image_id = ? AND model_version_id = ? AND verdict != 'not_applicable'")
      .run(heatmap, imageId, modelVersionId);
  }

  /** The heatmap the given model version made for an image (PNG bytes), if any. */
  heatmap(imageId: number, modelVersionId: number): Buffer | null {
    return (
      (this.db
        .prepare("SELECT heatmap FROM predictions WHERE image_id = ? AND model_version_id = ? AND verdict != 'not_applicable'")
        .pluck()
        .get(imageId, modelVersionId) as Buffer | null | undefined) ?? null
    );
  }

  /** How many images the version has a prediction for, by verdict. */
  verdictCounts(modelVersionId: number): Record<Verdict, number> {
    const counts: Record<Verdict, number> = { in_scope: 0, outside_population: 0, unusual_image: 0, not_applicable: 0 };
    const rows = this.db
      .prepare('SELECT verdict, COUNT(*) AS n FROM predictions WHERE model_version_id = ? GROUP BY verdict')
      .all(modelVersionId) as { verdict: Verdict; n: number }[];
    for (const row of rows) counts[row.verdict] = row.n;
    return counts;
  }
}
