import type { Db } from '../db/database';

/** Scores, each tied to the model version and the threshold in force when it was made. */
export class PredictionRepository {
  constructor(private readonly db: Db) {}

  record(prediction: { imageId: number; modelVersionId: number; probability: number; threshold: number; heatmap?: Buffer | null }): void {
    this.db
      .prepare(
        `INSERT INTO predictions (image_id, model_version_id, probability, threshold, heatmap, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (image_id, model_version_id)
         DO UPDATE SET probability = excluded.probability, threshold = excluded.threshold,
                       heatmap = excluded.heatmap, created_at = excluded.created_at`,
      )
      .run(prediction.imageId, prediction.modelVersionId, prediction.probability, prediction.threshold, prediction.heatmap ?? null, new Date().toISOString());
  }

  /** The heatmap the given model version made for an image (PNG bytes), if any. */
  heatmap(imageId: number, modelVersionId: number): Buffer | null {
    return (
      (this.db
        .prepare('SELECT heatmap FROM predictions WHERE image_id = ? AND model_version_id = ?')
        .pluck()
        .get(imageId, modelVersionId) as Buffer | null | undefined) ?? null
    );
  }
}
