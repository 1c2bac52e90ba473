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

  /** The preset that set the threshold in force, when it was set in this window (null: before it, unknown). */
  preset = $state<ThresholdPreset | null>(null);
  /** Stored thresholds this window replaced, newest last: what Undo goes back to. */
  undoStack = $state.raw<{ threshold: number; preset: ThresholdPreset | null }[]>([]);

  private undoFor: number | null = null;
  /** The preset of the threshold main has stored, as far as this window knows. */
  private storedPreset: ThresholdPreset | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private pending: { threshold: number; preset: ThresholdPreset; undoing: boolean } | null = null;

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
      // A threshold belongs to its version: another version active leaves nothing to undo.
      if (this.undoFor !== (this.active?.id ?? null)) {
        this.undoFor = this.active?.id ?? null;
        this.undoStack = [];
        this.preset = null;
        this.storedPreset = null;
      }
      if (this.pending === null) this.threshold = this.active?.threshold ?? null;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** Moves the threshold on screen now; stores it once the slider rests (or at once for a preset). */
  setThreshold(value: number, preset: ThresholdPreset = 'manual', immediate = false, undoing = false): void {
    if (!this.active) return;
    this.threshold = Math.min(1, Math.max(0, value));
    this.preset = preset;
    this.pending = { threshold: this.threshold, preset, undoing };
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
    const replaced = { threshold: active.threshold, preset: this.storedPreset };
    try {
      const updated = await call('setThreshold', { modelVersionId: active.id, threshold: pending.threshold, preset: pending.preset });
      this.versions = this.versions.map((v) => (v.id === updated.id ? updated : v));
      this.storedPreset = pending.preset;
      if (!pending.undoing && replaced.threshold !== null) this.undoStack = [...this.undoStack, { threshold: replaced.threshold, preset: replaced.preset }];
      this.saveError = null;
    } catch (error) {
      this.saveError = `The threshold was not saved: ${errorMessage(error)}`;
    } finally {
      // A newer move may be waiting; it keeps the flag until it is stored in turn.
      if (this.pending === null) this.saving = false;
    }
  }

  /**
   * Goes back to the threshold (and preset) in force before the last stored change. Main stores and
   * audits it like any other change; its preset is the restored one (manual when it was set before
   * this window).
   */
  undo(): void {
    const previous = this.undoStack.at(-1);
    if (!previous) return;
    this.undoStack = this.undoStack.slice(0, -1);
    this.setThreshold(previous.threshold, previous.preset ?? 'manual', true, true);
    this.preset = previous.preset;
    this.storedPreset = previous.preset;
  }

  async setPrevalence(percent: number | null): Promise<void> {
    try {
      this.settings = await call('updateSettings', { sitePrevalencePercent: percent });
      this.saveError = null;
    } catch (error) {
      this.saveError = `The prevalence was not saved: ${errorMessage(error)}`;
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
