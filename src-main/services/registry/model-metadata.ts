import { z } from 'zod';
import { rocPointSchema } from '@shared/ipc/contract';
import { populationSchema, validationRocSchema } from '@shared/ipc/pneumonia-contract';

/**
 * What a model version's metadata file says about its evaluation and intended use. Training
 * (the pneumonia-model work) writes more; the worklist and threshold control read these parts.
 */
export const modelMetadataSchema = z
  .object({
    intendedUse: z.string().optional(),
    evaluation: z
      .object({
        evaluatedOn: z.string(),
        auc: z.number().min(0).max(1),
        rocPoints: z.array(rocPointSchema),
      })
      .optional(),
    validation: validationRocSchema.optional(),
    population: populationSchema.optional(),
  })
  .passthrough();

export type ModelMetadata = z.output<typeof modelMetadataSchema>;

export function parseModelMetadata(json: string): ModelMetadata {
  const parsed = modelMetadataSchema.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : {};
}
