import { tf } from '../tfjs';
import type { PneumoniaModelMetadata } from '@shared/ipc/pneumonia-contract';
import { calibratedProbability } from '@shared/metrics/temperature-scaling';
import type { GreyImage } from '../../imaging/dicom/dicom-image';
import { splitAtLayer } from './backbone-split';
import { backgroundCells } from './heatmap-background';
import { heatmapLayerOf } from './heatmap-layer';
import { inferenceBackbone, type InferenceBackbone } from './inference-backbone';
import { logitFunctionOf } from './pneumonia-head';
import type { PneumoniaNetwork } from './pneumonia-network';
import type { ScoreResult } from './pneumonia-sample';
import { greyBatch, normaliseGrey, resizeGrey } from './preprocess';

/** The worklist's one scoring interface: image in, probability and heatmap out. */
export interface PneumoniaScorer {
  score(image: GreyImage): Promise<ScoreResult>;
  scoreBatch(images: readonly GreyImage[]): Promise<ScoreResult[]>;
  /**
   * The same without the heatmap, one forward pass a batch: what the worklist's order needs. The
   * heatmap (four more passes and their gradients) can follow through `heatmaps`.
   */
  assess(images: readonly GreyImage[]): Promise<Assessment[]>;
  /** The heatmaps `scoreBatch` would give for these images. */
  heatmaps(images: readonly GreyImage[]): Promise<ScoreResult['heatmap'][]>;
  /** Frees what the scorer built for itself (the folded backbone); the network stays. */
  dispose(): void;
}

/** A score without its heatmap. */
export type Assessment = Omit<ScoreResult, 'heatmap'>;

export interface ScorerOptions {
  /** The version's temperature (metadata.calibration); 1 leaves the network's probability as it is. */
  temperature?: number;
  /** The layer Grad-CAM is taken on (metadata.heatmapLayer); otherwise chosen by heatmapLayerOf. */
  heatmapLayer?: string;
  /**
   * On the backbone's own feature map, sample Grad-CAM at four half-cell offsets of the input and
   * interleave them: twice the map's resolution from the layer whose map best follows the lungs.
   * Off only to measure the plain map against it.
   */
  halfCellShifts?: boolean;
}

/** How a saved version scores: its temperature and its heatmap layer, where it records them. */
export function scorerOptionsOf(metadata: PneumoniaModelMetadata): ScorerOptions {
  return { temperature: metadata.calibration?.temperature ?? 1, ...(metadata.heatmapLayer ? { heatmapLayer: metadata.heatmapLayer } : {}) };
}

/**
 * Scores with the backbone in inference mode, cut at the heatmap layer A (14x14 for 224 input):
 * trunk to A, then A through the rest of the backbone and the head. Grad-CAM on A:
 * ReLU(sum over channels c of mean_xy(d logit / d A_c) * A_c), zero over background cells,
 * scaled to 0-255 per image. The logit, not the probability, is differentiated: a confident
 * sigmoid has almost no gradient. Also returns the pooled feature vector (the feature map
 * averaged over space) that the feature reference judges. Where the heatmap layer is the feature
 * map itself (every version the app makes), the backbone runs folded (inference-backbone.ts).
 */
export function createPneumoniaScorer(network: PneumoniaNetwork, options: ScorerOptions = {}): PneumoniaScorer {
  const spec = network.backbone.preprocessing;
  const temperature = options.temperature ?? 1;
  const featureModel = network.backbone.featureModel;
  const layer = options.heatmapLayer ?? heatmapLayerOf(featureModel);
  const onFeatureMap = layer === featureModel.outputs[0]!.sourceLayer.name;
  const logitOf = logitFunctionOf(network.head);
  const [, mapHeight, mapWidth] = featureModel.outputs[0]!.shape as [null, number, number, number];
  const shifted = (options.halfCellShifts ?? true) && onFeatureMap && spec.height % (4 * mapHeight) === 0 && spec.width % (4 * mapWidth) === 0;
  // Built on first use, so a scorer that never runs costs nothing.
  let folded: InferenceBackbone | null | undefined;
  const backbone = (input: tf.Tensor4D): tf.Tensor4D => {
    if (folded === undefined) folded = inferenceBackbone(featureModel);
    return folded ? folded.apply(input) : (featureModel.predict(input) as tf.Tensor4D);
  };
  const inputOf = (pixels: readonly Uint8Array[]) => normaliseGrey(greyBatch(pixels, spec), spec);

  const assessResized = async (pixels: readonly Uint8Array[]): Promise<Assessment[]> => {
    if (pixels.length === 0) return [];
    const [logits, pooled] = tf.tidy(() => {
      const features = backbone(inputOf(pixels));
      return [tf.reshape(logitOf(features), [-1]), tf.mean(features, [1, 2])] as [tf.Tensor, tf.Tensor];
    });
    const [logitValues, pooledValues] = await Promise.all([logits.data(), pooled.data()]);
    const featureSize = pooled.shape[1]!;
    tf.dispose([logits, pooled]);
    return pixels.map((_, i) => ({
      probability: calibratedProbability(logitValues[i]!, temperature),
      logit: logitValues[i]!,
      features: Float32Array.from(pooledValues.subarray(i * featureSize, (i + 1) * featureSize)),
    }));
  };

  const heatmapsResized = async (pixels: readonly Uint8Array[]): Promise<ScoreResult['heatmap'][]> => {
    if (pixels.length === 0) return [];
    const cams = tf.tidy(() => {
      if (shifted) return shiftedCam(pixels, spec, (moved) => backbone(inputOf(moved)), logitOf, [mapHeight, mapWidth]);
      const { trunk, tail } = splitAtLayer(featureModel, layer);
      const cut = trunk.predict(inputOf(pixels)) as tf.Tensor4D;
      // Each image's logit depends on its own map only, so the summed logit's gradient is per image.
      const grad = tf.grad((a: tf.Tensor) => tf.sum(logitOf(tail.apply(a, { training: false }) as tf.Tensor)))(cut);
      return gradCam(grad, cut);
    });
    const camValues = await cams.data();
    const [, h, w] = cams.shape as [number, number, number];
    cams.dispose();
    return pixels.map((image, i) => ({
      width: w,
      height: h,
      data: scaledHeatmap(camValues.subarray(i * h * w, (i + 1) * h * w), backgroundCells(image, spec, { width: w, height: h })),
    }));
  };

  const resized = (images: readonly GreyImage[]) => Promise.all(images.map((image) => resizeGrey(image, spec)));
  const scoreBatch = async (images: readonly GreyImage[]): Promise<ScoreResult[]> => {
    const pixels = await resized(images);
    const [assessments, heatmaps] = [await assessResized(pixels), await heatmapsResized(pixels)];
    return assessments.map((a, i) => ({ ...a, heatmap: heatmaps[i]! }));
  };
  return {
    score: async (image) => (await scoreBatch([image]))[0]!,
    scoreBatch,
    assess: async (images) => assessResized(await resized(images)),
    heatmaps: async (images) => heatmapsResized(await resized(images)),
    dispose: () => {
      folded?.dispose();
      folded = undefined;
    },
  };
}

/** Grad-CAM from a map and its gradient: ReLU(sum over channels of mean_xy(gradient) * map). */
function gradCam(grad: tf.Tensor, map: tf.Tensor): tf.Tensor3D {
  return tf.relu(tf.sum(tf.mul(tf.mean(grad, [1, 2], true), map), 3)) as tf.Tensor3D;
}

/**
 * Grad-CAM on the feature map (h x w cells of s pixels) at twice its resolution: the input moved by
 * -s/4 and +s/4 in each direction (mirrored at the edges) puts each cell's centre on the centres of
 * a 2h x 2w grid, so the four maps interleave into one whose cells each summarise their own s/2
 * pixels. Costs four gradient passes instead of one. The images are moved as bytes, before
 * normalisation (which is per pixel, so the same): wasm's Slice on the normalised batch cost more
 * than the four forward passes.
 */
function shiftedCam(
  pixels: readonly Uint8Array[],
  size: { width: number; height: number },
  featuresOf: (moved: Uint8Array[]) => tf.Tensor4D,
  logitOf: (features: tf.Tensor) => tf.Tensor,
  [h, w]: [number, number],
): tf.Tensor3D {
  const n = pixels.length;
  const quarter = [size.height / (4 * h), size.width / (4 * w)] as const;
  const cams: tf.Tensor3D[] = [];
  for (const sy of [0, 1]) {
    for (const sx of [0, 1]) {
      const map = featuresOf(pixels.map((image) => movedMirrored(image, size, (2 * sy - 1) * quarter[0], (2 * sx - 1) * quarter[1])));
      const grad = tf.grad((a: tf.Tensor) => tf.sum(logitOf(a)))(map);
      cams.push(gradCam(grad, map));
    }
  }
  // [n, h, w] x (sy, sx) -> [n, h, sy, w, sx] -> [n, 2h, 2w].
  const stacked = tf.reshape(tf.stack(cams, 3), [n, h, w, 2, 2]);
  return tf.reshape(tf.transpose(stacked, [0, 1, 3, 2, 4]), [n, 2 * h, 2 * w]);
}

/** The image whose pixel (y, x) is the original's (y + dy, x + dx), mirrored at the edges (the edge pixel not repeated). */
function movedMirrored(image: Uint8Array, { width, height }: { width: number; height: number }, dy: number, dx: number): Uint8Array {
  const mirror = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  const out = new Uint8Array(width * height);
  const columns = Int32Array.from({ length: width }, (_, x) => mirror(x + dx, width));
  for (let y = 0; y < height; y++) {
    const row = mirror(y + dy, height) * width;
    for (let x = 0; x < width; x++) out[y * width + x] = image[row + columns[x]!]!;
  }
  return out;
}

/** Background cells zeroed, then the rest scaled so the peak is 255 (all zero if nothing is left). */
function scaledHeatmap(cam: ArrayLike<number>, background: readonly boolean[]): Uint8Array {
  const kept = Float32Array.from(background, (isBackground, i) => (isBackground ? 0 : cam[i]!));
  const peak = kept.reduce((a, b) => Math.max(a, b), 0);
  return Uint8Array.from(kept, (v) => (peak > 1e-12 ? Math.round((v * 255) / peak) : 0));
}
