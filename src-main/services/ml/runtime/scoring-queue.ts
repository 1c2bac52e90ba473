/**
 * The compute worker's side of scoring: requests served one at a time, most urgent first, with
 * the backend chosen once and the last models kept loaded, so a worker kept warm answers at
 * once. Images go through the model in batches, and the next batch's files are decoded (sharp
 * works in libuv's threads) while the model runs on the current one.
 */
import { featureDistance } from '../pneumonia/feature-reference';
import { heatmapPng } from '../pneumonia/heatmap-png';
import { loadModelInput } from '../pneumonia/load-grey';
import { loadPneumoniaModel, type PneumoniaModel } from '../pneumonia/pneumonia-model-files';
import { disposeNetwork } from '../pneumonia/pneumonia-network';
import { createPneumoniaScorer, scorerOptionsOf, type PneumoniaScorer } from '../pneumonia/pneumonia-scorer';
import type { GreyImage } from '../../imaging/dicom/dicom-image';
import { selectBackend } from './backend-select';
import type { FromWorker, ScoreRequestImage, ToWorker } from './worker-protocol';

type Request = Extract<ToWorker, { type: 'score' | 'heatmaps' }>;
interface Loaded {
  model: PneumoniaModel;
  scorer: PneumoniaScorer;
}
type Decoded = { image: ScoreRequestImage; ok: true; grey: GreyImage } | { image: ScoreRequestImage; ok: false; reason: string };

/** Images per forward pass: larger batches gain little on CPU and hold a request longer. */
const BATCH = 8;
/** A live version and one being prepared for activation. */
const MODELS_KEPT = 2;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class ScoringQueue {
  private readonly queue: Request[] = [];
  private readonly cancelled = new Set<number>();
  private readonly models = new Map<string, Promise<Loaded>>();
  private backend: Promise<unknown> | null = null;
  private serving = false;

  constructor(
    private readonly send: (message: FromWorker) => void,
    private readonly reportError: (error: unknown, requestId: number) => void,
  ) {}

  warm(modelDir: string): void {
    // A model that fails to load says so to the first request that needs it.
    this.load(modelDir).catch(() => {});
  }

  add(request: Request): void {
    const at = this.queue.findIndex((queued) => queued.priority > request.priority);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, request);
    void this.serve();
  }

  cancel(requestId: number): void {
    this.cancelled.add(requestId);
  }

  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      for (let request = this.queue.shift(); request; request = this.queue.shift()) {
        try {
          if (request.type === 'score') await this.score(request);
          else await this.heatmaps(request);
        } catch (error) {
          this.reportError(error, request.requestId);
        } finally {
          this.cancelled.delete(request.requestId);
        }
      }
    } finally {
      this.serving = false;
    }
  }

  private load(modelDir: string): Promise<Loaded> {
    const known = this.models.get(modelDir);
    if (known) {
      // Most recently used last, so the oldest is the one let go.
      this.models.delete(modelDir);
      this.models.set(modelDir, known);
      return known;
    }
    const loading = (async () => {
      await (this.backend ??= selectBackend());
      const model = await loadPneumoniaModel(modelDir);
      const scorer = createPneumoniaScorer(model, scorerOptionsOf(model.metadata));
      // One blank image through the model: its first pass (folding the backbone, the kernels' first
      // runs) happens here, while the worker is only warming, not when the first studies wait.
      const { width, height } = model.metadata.preprocessing;
      await scorer.assess([{ width, height, channels: 1, data: new Uint8Array(width * height) }]);
      return { model, scorer };
    })();
    loading.catch(() => this.models.delete(modelDir));
    this.models.set(modelDir, loading);
    for (const [dir, old] of this.models) {
      if (this.models.size <= MODELS_KEPT) break;
      this.models.delete(dir);
      // Requests are served one at a time, so nothing is using a model that is not the newest two.
      void old.then(({ model, scorer }) => {
        scorer.dispose();
        disposeNetwork(model);
      }, () => {});
    }
    return loading;
  }

  /**
   * Runs `work` over the request's images in batches, decoding each batch while the one before
   * it is in the model. A file that cannot be read fails alone; so does an image the model
   * fails on (the batch is then retried one image at a time).
   */
  private async inBatches<T>(
    request: Request,
    spec: { width: number; height: number },
    work: (images: GreyImage[]) => Promise<T[]>,
    onResult: (image: ScoreRequestImage, result: T) => Promise<void> | void,
    onFailure: (image: ScoreRequestImage, reason: string) => void,
  ): Promise<void> {
    const decode = (images: readonly ScoreRequestImage[]): Promise<Decoded[]> =>
      Promise.all(
        images.map((image) =>
          loadModelInput(image, spec).then(
            (grey): Decoded => ({ image, ok: true, grey }),
            (error: unknown): Decoded => ({ image, ok: false, reason: reasonOf(error) }),
          ),
        ),
      );
    const batches: ScoreRequestImage[][] = [];
    for (let start = 0; start < request.images.length; start += BATCH) batches.push(request.images.slice(start, start + BATCH));
    let next = batches.length > 0 ? decode(batches[0]!) : null;
    for (let i = 0; i < batches.length && !this.cancelled.has(request.requestId); i++) {
      const decoded = await next!;
      next = i + 1 < batches.length ? decode(batches[i + 1]!) : null;
      for (const d of decoded) if (!d.ok) onFailure(d.image, d.reason);
      const readable = decoded.filter((d): d is Extract<Decoded, { ok: true }> => d.ok);
      if (readable.length === 0) continue;
      let results: T[] | null = null;
      try {
        results = await work(readable.map((d) => d.grey));
      } catch {
        // One image broke the batch: find it by scoring them one at a time.
      }
      for (let j = 0; j < readable.length; j++) {
        const { image, grey } = readable[j]!;
        try {
          await onResult(image, results ? results[j]! : (await work([grey]))[0]!);
        } catch (error) {
          onFailure(image, reasonOf(error));
        }
      }
    }
    await next;
  }

  private async score(request: Extract<Request, { type: 'score' }>): Promise<void> {
    const { requestId } = request;
    const { model, scorer } = await this.load(request.modelDir);
    const reference = model.featureReference;
    await this.inBatches(
      request,
      model.metadata.preprocessing,
      (images) => scorer.assess(images),
      (image, result) =>
        this.send({
          type: 'scored',
          requestId,
          imageId: image.imageId,
          probability: result.probability,
          featureDistance: reference ? featureDistance(reference, result.features) : null,
        }),
      (image, reason) => this.send({ type: 'score-failed', requestId, imageId: image.imageId, reason }),
    );
    this.send({ type: 'scoring-done', requestId });
  }

  private async heatmaps(request: Extract<Request, { type: 'heatmaps' }>): Promise<void> {
    const { requestId } = request;
    const { model, scorer } = await this.load(request.modelDir);
    await this.inBatches(
      request,
      model.metadata.preprocessing,
      (images) => scorer.heatmaps(images),
      async (image, heatmap) => this.send({ type: 'heatmap', requestId, imageId: image.imageId, heatmapPng: await heatmapPng(heatmap) }),
      (image, reason) => this.send({ type: 'heatmap-failed', requestId, imageId: image.imageId, reason }),
    );
    this.send({ type: 'heatmaps-done', requestId });
  }
}
