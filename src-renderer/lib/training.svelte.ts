import type { BACKEND_NAMES, BackendReport, EpochRecord, TrainingProgress, TrainingRun } from '@shared/ipc/contract';
import { call, errorMessage, onAppEvent } from './api';
import { BusyState } from './busy-state.svelte';

export type TrainingForm = {
  datasetPath: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  augment: boolean;
  quickRun: boolean;
  subsetSize: number;
  backend: 'auto' | (typeof BACKEND_NAMES)[number];
};

/** The CIFAR-10 panel's state: past runs, the selected run, and the live progress of a running one. */
class TrainingPanelState extends BusyState {
  runs = $state<TrainingRun[]>([]);
  selected = $state<TrainingRun | null>(null);
  progress = $state<TrainingProgress | null>(null);
  /** Epochs streamed in since the selected run was loaded. */
  liveHistory = $state<EpochRecord[]>([]);
  runtime = $state<BackendReport | null>(null);
  /** A CIFAR-10 release main found in the shared data folder, to prefill the form with. */
  defaultDatasetPath = $state<string | null>(null);

  readonly history = $derived.by(() => {
    const base = this.selected?.history ?? [];
    const extra = this.liveHistory.filter((e) => !base.some((b) => b.epoch === e.epoch));
    return [...base, ...extra];
  });

  listen(): () => void {
    return onAppEvent((event) => {
      if (event.name === 'training.progress' && event.payload.runId === this.selected?.id) {
        this.progress = event.payload;
        if (event.payload.epochRecord) this.liveHistory = [...this.liveHistory, event.payload.epochRecord];
      } else if (event.name === 'job.finished' && event.payload.kind === 'training') {
        void this.refresh();
      }
    });
  }

  async refresh(): Promise<void> {
    try {
      this.runs = (await call('listTrainingRuns', {})).runs;
      if (this.selected) await this.select(this.selected.id);
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async loadDefaults(): Promise<void> {
    try {
      this.defaultDatasetPath = (await call('trainingDefaults', {})).datasetPath;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async loadRuntime(): Promise<void> {
    try {
      this.runtime = await call('mlRuntime', {});
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async select(runId: number): Promise<void> {
    const run = await call('getTrainingRun', { runId });
    if (this.selected?.id !== runId) this.progress = null;
    this.selected = run;
    this.liveHistory = [];
    if (run.backend) this.runtime = run.backend;
  }

  async start(form: TrainingForm): Promise<void> {
    await this.act(async () => {
      const { runId } = await call('startTraining', {
        datasetPath: form.datasetPath.trim(),
        epochs: form.epochs,
        batchSize: form.batchSize,
        learningRate: form.learningRate,
        augment: form.augment,
        subsetSize: form.quickRun ? form.subsetSize : null,
        ...(form.backend === 'auto' ? {} : { backend: form.backend }),
      });
      this.progress = null;
      await this.refresh();
      await this.select(runId);
    });
  }

  async control(action: 'pauseTraining' | 'resumeTraining' | 'stopTraining'): Promise<void> {
    const run = this.selected;
    if (!run) return;
    await this.act(async () => {
      await call(action, { runId: run.id });
      await this.refresh();
    });
  }

}

export const training = new TrainingPanelState();
