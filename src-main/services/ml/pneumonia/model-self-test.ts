import type { GreyImage } from '../../imaging/dicom/dicom-image';
import { disposeNetwork } from './pneumonia-network';
import { loadPneumoniaModel, PneumoniaModelFileError } from './pneumonia-model-files';
import { createPneumoniaScorer, scorerOptionsOf } from './pneumonia-scorer';

/**
 * What a model folder must do before it becomes a version: build from its layer configuration
 * with its weights (tfjs checks every weight's shape against the architecture), its head must
 * take the backbone's output, and a blank image must score to a probability, a heatmap and
 * features of the reference's size. Returns the problem in words, or null.
 */
export async function selfTestModel(dir: string): Promise<string | null> {
  let model;
  try {
    model = await loadPneumoniaModel(dir);
  } catch (error) {
    return error instanceof PneumoniaModelFileError ? error.message : `it cannot be built: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    const out = model.backbone.featureModel.outputs[0]!.shape;
    const into = model.head.inputs[0]!.shape;
    if (out.length !== into.length || out.some((d, i) => i > 0 && d !== into[i])) {
      return `its head takes [${into.slice(1).join(', ')}] but its backbone gives [${out.slice(1).join(', ')}].`;
    }
    const { width, height } = model.metadata.preprocessing;
    const blank: GreyImage = { width, height, channels: 1, data: new Uint8Array(width * height).fill(128) };
    const scorer = createPneumoniaScorer(model, scorerOptionsOf(model.metadata));
    const result = await scorer.score(blank).finally(() => scorer.dispose());
    if (!Number.isFinite(result.probability) || result.probability < 0 || result.probability > 1) {
      return `it scores a blank image as ${result.probability}, not a probability.`;
    }
    if (model.featureReference && model.featureReference.mean.length !== result.features.length) {
      return `its feature reference has ${model.featureReference.mean.length} features but the backbone gives ${result.features.length}.`;
    }
    return null;
  } catch (error) {
    return `it fails on a blank test image: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    disposeNetwork(model);
  }
}
