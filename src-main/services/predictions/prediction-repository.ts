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
}
