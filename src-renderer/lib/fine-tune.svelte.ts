import type { DataPreview, PneumoniaProgress, PneumoniaRun, ResponseOf } from '@shared/ipc/contract';
import type {
  BackboneSource,
  PneumoniaDataSource,
  PneumoniaEpochRecord,
  PneumoniaTrainingConfigInput,
} from '@shared/ipc/pneumonia-contract';
import { call, errorMessage, onAppEvent } from './api';
import { secondsLeft, type BatchMark } from './training-eta';
import { BusyState } from './busy-state.svelte';
import { models } from './models.svelte';

export type PneumoniaDefaults = ResponseOf<'pneumonia.defaults'>;

/** Which weights the backbone starts from; `scratch` is MobileNetV2's architecture with random weights. */
export type BackboneChoice = 'mobilenetv2' | 'vgg16' | 'scratch';

export type FineTuneForm = {
  source: 'folder' | 'studies';
  folderPath: string;
  backbone: BackboneChoice;
  mobilenetWeightsPath: string;
  vggWeightsPath: string;
  fromActiveVersion: boolean;
  phase1Epochs: number;
  phase1LearningRate: number;
  phase2Epochs: number;
  phase2LearningRate: number;
  batchSize: number;
  augment: boolean;
  classWeights: boolean;
  threshold: number;
  targetSensitivity: number;
  quickRun: boolean;
  maxTrainImages: number;
  name: string;
  /** The ages (years) the new version is for; empty when not restricted. Number inputs leave null or undefined when cleared. */
  ageMin: number | null | undefined;
  ageMax: number | null | undefined;
};

/** The textbook's chest_xray set (Kermany et al. 2018): children one to five years old. */
const PEDIATRIC_AGES = { min: 1, max: 5 };

/** Whether a folder is the textbook's pediatric set, named chest_xray like the sample folder. */
function isPediatricSet(folderPath: string): boolean {
  return /(^|[\\/])chest_xray[\\/]*$/.test(folderPath.trim());
}

/** The ages to suggest for a data choice: the pediatric set's, or none. */
export function suggestedAges(form: Pick<FineTuneForm, 'source' | 'folderPath'>): { min: number | null; max: number | null } {
  return form.source === 'folder' && isPediatricSet(form.folderPath) ? PEDIATRIC_AGES : { min: null, max: null };
}

const isAge = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Why the age fields cannot be used as typed, or null. */
export function populationAgesError(form: Pick<FineTuneForm, 'ageMin' | 'ageMax'>): string | null {
  const [min, max] = [isAge(form.ageMin), isAge(form.ageMax)];
  if (min !== max) return 'Give both ages, or neither.';
  if (min && max && (form.ageMin! < 0 || form.ageMax! > 150 || form.ageMin! > form.ageMax!)) return 'The ages must run from a lower to a higher age, 0–150 years.';
  return null;
}

export function initialForm(defaults: PneumoniaDefaults | null): FineTuneForm {
  const folderPath = defaults?.sampleFolder ?? '';
  const ages = suggestedAges({ source: 'folder', folderPath });
  return {
    source: 'folder',
    folderPath,
    backbone: 'mobilenetv2',
    mobilenetWeightsPath: defaults?.mobilenetWeightsPath ?? '',
    vggWeightsPath: '',
    fromActiveVersion: false,
    phase1Epochs: 10,
    phase1LearningRate: 1e-3,
    phase2Epochs: 5,
    phase2LearningRate: 1e-5,
    batchSize: 16,
    augment: true,
    classWeights: true,
    threshold: 0.3,
    targetSensitivity: 0.95,
    quickRun: false,
    maxTrainImages: 200,
    name: '',
    ageMin: ages.min,
    ageMax: ages.max,
  };
}

export function dataSourceOf(form: FineTuneForm): PneumoniaDataSource {
  return form.source === 'folder' ? { kind: 'folder', path: form.folderPath.trim() } : { kind: 'studies' };
}

function backboneOf(form: FineTuneForm): BackboneSource {
  if (form.backbone === 'scratch') return { kind: 'mobilenetv2', weightsPath: null };
  const path = (form.backbone === 'vgg16' ? form.vggWeightsPath : form.mobilenetWeightsPath).trim();
  return { kind: form.backbone, weightsPath: path === '' ? null : path };
}

/** The form as the training request; the patience values are the textbook's, shown in the hint. */
export function configOf(form: FineTuneForm, activeVersionId: number | null): PneumoniaTrainingConfigInput {
  return {
    backbone: backboneOf(form),
    data: dataSourceOf(form),
    baseVersionId: form.fromActiveVersion ? activeVersionId : null,
    batchSize: form.batchSize,
    augment: form.augment,
    classWeights: form.classWeights,
    phase1: { epochs: form.phase1Epochs, learningRate: form.phase1LearningRate, earlyStoppingPatience: 5, reduceLrPatience: 3 },
    phase2: { epochs: form.phase2Epochs, learningRate: form.phase2LearningRate, earlyStoppingPatience: 7, reduceLrPatience: 4 },
    threshold: form.threshold,
    targetSensitivity: form.targetSensitivity,
    maxTrainImages: form.quickRun ? form.maxTrainImages : null,
    populationAgeYears: isAge(form.ageMin) && isAge(form.ageMax) ? { min: form.ageMin, max: form.ageMax } : null,
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
  };
}

/** `phaseStart`/`latest`: the first and last batch reports of the phase running now, for the ETA. */
type LiveRun = { progress: PneumoniaProgress | null; history: PneumoniaEpochRecord[]; phaseStart: BatchMark | null; latest: BatchMark | null };

/** A batch report as a mark for the ETA; none outside training (preparing, evaluating) or while paused. */
function batchMark(progress: PneumoniaProgress): BatchMark | null {
  if (progress.stage !== 'training' || progress.phase === null || progress.status !== 'running' || progress.batches === 0) return null;
  return { at: Date.now(), phase: progress.phase, epoch: progress.epoch, batch: progress.batch };
}

const epochKey = (e: PneumoniaEpochRecord) => `${e.phase}:${e.epoch}`;

/** The fine-tune screen's state: defaults, the data preview, past runs, and the live progress of a running one. */
class FineTuneState extends BusyState {
  defaults = $state<PneumoniaDefaults | null>(null);
  preview = $state<DataPreview | null>(null);
  previewError = $state<string | null>(null);
  previewing = $state(false);
  runs = $state.raw<PneumoniaRun[]>([]);
  selected = $state.raw<PneumoniaRun | null>(null);
  /** Progress streamed per run, kept even for events that arrive before `start` has answered. */
  live = $state.raw<Record<number, LiveRun>>({});

  readonly progress = $derived(this.selected ? (this.live[this.selected.id]?.progress ?? null) : null);

  /** Seconds until the selected run's last planned epoch (both phases), as the CIFAR-10 panel estimates it. */
  readonly etaSeconds = $derived.by((): number | null => {
    const run = this.selected;
    const live = run ? this.live[run.id] : undefined;
    if (!run || !live?.progress || !live.phaseStart || !live.latest) return null;
    const laterEpochs = live.latest.phase === 1 ? run.config.phase2.epochs : 0;
    return secondsLeft(live.phaseStart, live.latest, { batches: live.progress.batches, epochs: live.progress.epochs, laterEpochs });
  });

  readonly history = $derived.by((): PneumoniaEpochRecord[] => {
    const base = this.selected?.history ?? [];
    const seen = new Set(base.map(epochKey));
    const extra = (this.selected ? (this.live[this.selected.id]?.history ?? []) : []).filter((e) => !seen.has(epochKey(e)));
    return [...base, ...extra];
  });

  listen(): () => void {
    return onAppEvent((event) => {
      if (event.name === 'pneumonia.progress') {
        const { runId, epochRecord } = event.payload;
        const before: LiveRun = this.live[runId] ?? { progress: null, history: [], phaseStart: null, latest: null };
        const mark = batchMark(event.payload);
        // A new phase, or a resume after a pause, starts a new pace: the time paused is no training.
        const phaseStart = mark === null ? null : before.phaseStart && before.phaseStart.phase === mark.phase ? before.phaseStart : mark;
        this.live = {
          ...this.live,
          [runId]: {
            progress: event.payload,
            history: epochRecord ? [...before.history, epochRecord] : before.history,
            phaseStart,
            latest: mark ?? before.latest,
          },
        };
        // A pause or stop shows in the run's status at once, not only when the job ends.
        if (this.selected?.id === runId && event.payload.status !== this.selected.status) void this.refresh();
      } else if (event.name === 'job.finished' && event.payload.kind === 'pneumonia-training') {
        void this.refresh();
        // A finished run has registered a new version: the lists that offer to activate it must know it.
        void models.load();
      }
    });
  }

  async loadDefaults(): Promise<void> {
    try {
      this.defaults = await call('pneumoniaDefaults');
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async previewData(form: FineTuneForm): Promise<void> {
    this.previewing = true;
    this.previewError = null;
    try {
      this.preview = await call('previewPneumoniaData', {
        data: dataSourceOf(form),
        maxTrainImages: form.quickRun ? form.maxTrainImages : null,
      });
    } catch (error) {
      this.preview = null;
      this.previewError = errorMessage(error);
    } finally {
      this.previewing = false;
    }
  }

  clearPreview(): void {
    this.preview = null;
    this.previewError = null;
  }

  async refresh(): Promise<void> {
    try {
      this.runs = (await call('listPneumoniaRuns', {})).runs;
      if (this.selected) this.selected = await call('getPneumoniaRun', { runId: this.selected.id });
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async select(runId: number): Promise<void> {
    await this.act(async () => {
      this.selected = await call('getPneumoniaRun', { runId });
    });
  }

  async start(form: FineTuneForm, activeVersionId: number | null): Promise<void> {
    await this.act(async () => {
      const { runId } = await call('startPneumoniaTraining', configOf(form, activeVersionId));
      this.selected = await call('getPneumoniaRun', { runId });
      await this.refresh();
    });
  }

  async control(action: 'pausePneumoniaTraining' | 'resumePneumoniaTraining' | 'stopPneumoniaTraining'): Promise<void> {
    const run = this.selected;
    if (!run) return;
    await this.act(async () => {
      await call(action, { runId: run.id });
      await this.refresh();
    });
  }

}

export const fineTune = new FineTuneState();
