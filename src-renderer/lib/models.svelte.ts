import type { ModelVersionSummary, Settings, ThresholdPreset } from '@shared/ipc/contract';
import { call, errorMessage } from './api';

/** How long the slider must rest before its value is stored (and audited) as one change, keyboard steps included. */
const SAVE_DELAY_MS = 600;

/**
 * The active pneumonia model version, its threshold and the worklist settings. `threshold` is
 * the value in force on screen: it moves with the slider at once, and is stored per model version
 * (audited by main) when the user stops moving it.
 */
class ModelState {
  versions = $state.raw<ModelVersionSummary[]>([]);
  /** A version main is scoring with before it goes live (see activation-job), as models.list last said. */
  pendingActivation = $state.raw<{ modelVersionId: number; jobId: string } | null>(null);
  threshold = $state<number | null>(null);
  settings = $state<Settings | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** True from the first slider move until the value is stored. */
  saving = $state(false);
  saveError = $state<string | null>(null);

  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private pending: { threshold: number; preset: ThresholdPreset } | null = null;

  constructor() {
    // A window closed while the slider rests still stores (and audits) its last position.
    addEventListener('pagehide', () => void this.flush());
  }

  get active(): ModelVersionSummary | null {
    return this.versions.find((v) => v.isActive) ?? null;
  }

  /** Name of a model version by id, for the worklist's model column. */
  nameOf(id: number | null): string | null {
    if (id === null) return null;
    return this.versions.find((v) => v.id === id)?.name ?? `#${id}`;
  }

  async load(): Promise<void> {
    try {
      const [{ versions, pendingActivation }, settings] = await Promise.all([call('listModels'), call('getSettings')]);
      this.versions = versions;
      this.pendingActivation = pendingActivation;
      this.settings = settings;
      if (this.pending === null) this.threshold = this.active?.threshold ?? null;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** Moves the threshold on screen now; stores it once the slider rests (or at once for a preset). */
  setThreshold(value: number, preset: ThresholdPreset = 'manual', immediate = false): void {
    if (!this.active) return;
    this.threshold = Math.min(1, Math.max(0, value));
    this.pending = { threshold: this.threshold, preset };
    this.saving = true;
    clearTimeout(this.saveTimer);
    if (immediate) void this.flush();
    else this.saveTimer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.saveTimer);
    const pending = this.pending;
    const active = this.active;
    if (!pending || !active) return;
    this.pending = null;
    if (pending.threshold === active.threshold) {
      this.saving = false;
      return;
    }
    try {
      const updated = await call('setThreshold', { modelVersionId: active.id, ...pending });
      this.versions = this.versions.map((v) => (v.id === updated.id ? updated : v));
      this.saveError = null;
    } catch (error) {
      this.saveError = `The threshold was not saved: ${errorMessage(error)}`;
    } finally {
      // A newer move may be waiting; it keeps the flag until it is stored in turn.
      if (this.pending === null) this.saving = false;
    }
  }

  async setAgingLimit(minutes: number): Promise<void> {
    try {
      this.settings = await call('updateSettings', { agingLimitMinutes: minutes });
      this.saveError = null;
    } catch (error) {
      this.saveError = `The aging limit was not saved: ${errorMessage(error)}`;
    }
  }
}

export const models = new ModelState();
