import type { ModelActivation, ModelVersionDetail, ModelVersionSummary } from '@shared/ipc/contract';
import { call, errorMessage } from './api';
import { downloadBytes } from './download';
import { models } from './models.svelte';
import { uploadFile } from './upload';
import { worklist } from './worklist.svelte';

/**
 * The Models screen: every pneumonia model version with its stored detail, the activation history
 * (for roll back), and export and import. The version list itself is `models.versions`, shared
 * with the threshold panel and the worklist, so an activation (activation-job) shows everywhere at once.
 */
class ModelRegistryState {
  details = $state.raw<Record<number, ModelVersionDetail>>({});
  activations = $state.raw<ModelActivation[]>([]);
  selectedId = $state<number | null>(null);
  loading = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  /** The outcome of the last action, e.g. "v3 imported". */
  notice = $state<string | null>(null);
  /** Share of the model file sent so far (0 to 1) while an import uploads it; null otherwise. */
  uploadProgress = $state<number | null>(null);

  readonly selected = $derived(
    this.selectedId === null ? null : (models.versions.find((v) => v.id === this.selectedId) ?? null),
  );
  readonly selectedDetail = $derived(this.selectedId === null ? null : (this.details[this.selectedId] ?? null));

  /** The version a roll back would make active again: the one the latest activation replaced. */
  readonly rollbackTarget = $derived.by((): ModelVersionSummary | null => {
    const previous = this.activations[0]?.previousVersionId ?? null;
    return previous === null ? null : (models.versions.find((v) => v.id === previous) ?? null);
  });

  async load(): Promise<void> {
    this.loading = true;
    try {
      await models.load();
      const [details, { activations }] = await Promise.all([
        Promise.all(models.versions.map((v) => call('getModel', { modelVersionId: v.id }))),
        call('listActivations', {}),
      ]);
      this.details = Object.fromEntries(details.map((d) => [d.id, d]));
      this.activations = activations;
      if (this.selectedId === null || !models.versions.some((v) => v.id === this.selectedId)) {
        this.selectedId = models.active?.id ?? models.versions[0]?.id ?? null;
      }
      this.error = models.error;
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  select(id: number): void {
    this.selectedId = id;
    this.notice = null;
  }

  async exportVersion(id: number): Promise<boolean> {
    return this.act(async () => {
      const { fileName, bytes } = await call('exportModel', { modelVersionId: id });
      downloadBytes(fileName, bytes);
      this.notice = `Saved ${fileName}.`;
    }, false);
  }

  async importFile(file: File): Promise<boolean> {
    return this.act(async () => {
      let uploadId: string;
      try {
        uploadId = await uploadFile(file, (sent, total) => (this.uploadProgress = total === 0 ? 1 : sent / total));
      } finally {
        this.uploadProgress = null;
      }
      const version = await call('importModel', { uploadId });
      this.notice = `Imported ${version.name}. It is not active until you activate it.`;
      this.selectedId = version.id;
    });
  }

  /** Runs one action; on success reloads what it may have changed. Errors are kept for the screen to show. */
  private async act(work: () => Promise<void>, reload = true): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.notice = null;
    try {
      await work();
      if (reload) {
        await this.load();
        void worklist.reload();
      }
      return true;
    } catch (error) {
      this.error = errorMessage(error);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

export const modelRegistry = new ModelRegistryState();
