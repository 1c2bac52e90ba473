import { AppError } from '@shared/ipc/errors';
import type { DicomPeer } from '@shared/ipc/dicom-node-contract';
import type { OutboxList, ResultSettings } from '@shared/ipc/results-contract';
import type { AuditLog } from '../audit/audit-log';
import type { Db } from '../db/database';
import type { GreyImage } from '../imaging/dicom/dicom-image';
import type { ImageStore } from '../imaging/image-store';
import type { ModelVersionRepository } from '../registry/model-version-repository';
import { buildResultDataset, writeResultDocument, type ImageAssessment } from './result-document';
import { ResultRepository } from './result-repository';
import type { ResultSettingsRepository } from './result-settings';
import { readScoredImageSource } from './scored-image-source';
import { renderSecondaryCapture, writeSecondaryCapture } from './secondary-capture';
import { storeInstances, StoreAssociationError } from './store-scu';
import { autoSendCandidates, studyResultFacts, type StudyResultFacts } from './study-result-facts';
import { newUid } from './uid';

export interface ResultServiceDeps {
  db: Db;
  /** Renders the scored image (its default window) for the secondary capture, off the main thread. */
  renderImage: (file: string) => Promise<GreyImage>;
  models: ModelVersionRepository;
  store: ImageStore;
  settings: ResultSettingsRepository;
  audit: AuditLog;
  /** This workstation's AE title (the DICOM node's): the calling AE of every send and the documents' station name. */
  aeTitle: () => string;
  softwareVersion: string;
}

export interface ResultServiceOptions {
  /** The first retry after a transient failure waits this long; each further one twice as long. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Per instance: a destination that accepts and then does not answer fails after this. */
  sendTimeoutMs?: number;
}

/** Answers at or above this are failures (PS3.7 C.4.2.1.4): 0xB000-0xBFFF are warnings, the instance is stored. */
const isSuccessOrWarning = (status: number) => status === 0 || (status >= 0xb000 && status <= 0xbfff);
/** Out of resources: the destination may take it later, so it is retried like a network failure. */
const isOutOfResources = (status: number) => (status & 0xff00) === 0xa700;

/**
 * Results as DICOM: builds a study's Structured Report from the active version's predictions, keeps
 * it, and sends it by C-STORE to every destination through a queue persisted in SQLite. A new result
 * for a study (another version, a changed threshold) is a new document that names the one it supersedes.
 */
export class ResultService {
  readonly results: ResultRepository;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly sendTimeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private reconciling: Promise<void> | null = null;
  private reconcileAgain = false;
  private stopped = true;
  /** Builds run one at a time, so the viewer's send and auto-send never both make a study's next revision. */
  private builds: Promise<unknown> = Promise.resolve();
  /** `cli listen --send-results-to`: settings for this run only, the stored ones untouched. */
  private override: ResultSettings | null = null;

  constructor(
    private readonly deps: ResultServiceDeps,
    options: ResultServiceOptions = {},
  ) {
    this.results = new ResultRepository(deps.db);
    this.retryBaseMs = options.retryBaseMs ?? 5_000;
    this.retryMaxMs = options.retryMaxMs ?? 300_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  }

  /** Picks up what a previous run left: entries caught mid-send are sent again (same instance), then everything due. */
  start(): void {
    this.stopped = false;
    const recovered = this.results.recoverSending();
    if (recovered > 0) this.deps.audit.record('results.resend_after_restart', undefined, { count: recovered });
    this.reconcile();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.reconciling;
    await this.pumping;
  }

  settings(): ResultSettings {
    return this.override ?? this.deps.settings.get();
  }

  updateSettings(changes: Partial<ResultSettings>): ResultSettings {
    const settings = this.deps.settings.update(changes);
    this.reconcile();
    return settings;
  }

  /** Uses these settings instead of the stored ones until the process ends (the CLI's options). */
  useForThisRun(settings: ResultSettings): void {
    this.override = settings;
    this.reconcile();
  }

  list(limit = 200): OutboxList {
    return this.results.list(limit);
  }

  retry(id?: number): { retried: number } {
    const retried = this.results.retryNow(id);
    this.kick();
    return { retried };
  }

  /** The viewer's "Send result to PACS": the study's current document (built now if the result changed) queued for every destination. */
  async sendStudy(studyId: number): Promise<{ queued: number; revision: number }> {
    const { destinations } = this.settings();
    if (destinations.length === 0) throw new AppError('BAD_INPUT', 'No destination is configured for results: add one in the DICOM node settings.');
    const { revision, queued } = await this.serially(async () => {
      const facts = studyResultFacts(this.deps.db, this.deps.models, studyId);
      const latest = this.results.latest(studyId);
      if (latest && latest.contentKey === facts.contentKey) return { revision: latest.revision, queued: this.results.enqueue(latest.id, destinations) };
      return { revision: await this.build(facts, destinations), queued: destinations.length };
    });
    this.deps.audit.record('results.send_requested', { type: 'study', id: studyId }, { revision, queued });
    this.kick();
    // Its secondary capture, if wanted, follows once the heatmap is there.
    this.reconcile();
    return { queued, revision };
  }

  /**
   * With auto-send on, every study that arrived over DICOM and is scored gets its document, and a
   * new one when what it would state has changed. Coalesced: calls during a run make one more run.
   */
  reconcile(): void {
    if (this.stopped) return;
    if (this.reconciling) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = this.reconcileOnce()
      .catch((error: unknown) => console.error(`[cxr-triage] building results failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.reconciling = null;
        if (this.reconcileAgain) {
          this.reconcileAgain = false;
          this.reconcile();
        }
      });
  }

  private async reconcileOnce(): Promise<void> {
    await this.buildReports();
    if (this.settings().includeSecondaryCapture) await this.buildCaptures();
  }

  /**
   * A secondary capture for each scored image of a study's latest report, once its heatmap is drawn
   * (heatmaps come after the scores), sent where the report was sent. Never for a study with no score.
   */
  private async buildCaptures(): Promise<void> {
    const { orgUidRoot } = this.settings();
    for (const capture of this.results.capturesToBuild()) {
      if (this.stopped) return;
      try {
        const file = this.deps.store.resolve(capture.storedPath);
        const [source, grey] = await Promise.all([readScoredImageSource(file), this.deps.renderImage(file)]);
        const version = this.deps.models.summary(capture.modelVersionId);
        const threshold = version.threshold ?? 1;
        const flagged = capture.probability >= threshold;
        const unreliable = capture.verdict !== 'in_scope';
        const picture = await renderSecondaryCapture(grey, capture.heatmap, [
          'AI DECISION SUPPORT - NOT A DIAGNOSIS - heatmap: where the model looked',
          `Pneumonia probability ${capture.probability.toFixed(3)}: ${flagged ? 'FLAGGED' : unreliable ? 'not flagged, score NOT RELIABLE' : 'not flagged'} (threshold ${threshold.toFixed(2)})`,
          ...(unreliable ? [`Caution: ${capture.verdict === 'outside_population' ? 'outside the population' : 'unusual image'}${capture.reason ? `: ${capture.reason}` : ''}`] : []),
          `Model ${version.name} (version ${version.id}), workstation ${this.deps.aeTitle()}`,
        ]);
        const uids = { series: newUid(orgUidRoot), instance: newUid(orgUidRoot) };
        this.results.addCapture(
          { id: capture.reportId },
          {
            imageId: capture.imageId,
            seriesInstanceUid: uids.series,
            sopInstanceUid: uids.instance,
            document: writeSecondaryCapture({
              study: source.study,
              source: source.reference,
              picture,
              station: { aeTitle: this.deps.aeTitle(), softwareVersion: this.deps.softwareVersion },
              uids,
              instanceNumber: capture.revision,
              createdAt: new Date(),
            }),
          },
        );
        this.kick();
      } catch (error) {
        this.deps.audit.record('results.capture_failed', { type: 'study', id: capture.studyId }, { reason: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private async buildReports(): Promise<void> {
    const { autoSend, destinations } = this.settings();
    const active = this.deps.models.active('pneumonia');
    if (!autoSend || destinations.length === 0 || !active || active.threshold === null) return;
    let built = 0;
    for (const studyId of autoSendCandidates(this.deps.db, active.id)) {
      if (this.stopped) break;
      try {
        const made = await this.serially(async () => {
          const facts = studyResultFacts(this.deps.db, this.deps.models, studyId);
          if (this.results.latest(studyId)?.contentKey === facts.contentKey) return false;
          await this.build(facts, destinations);
          return true;
        });
        if (!made) continue;
        built++;
        this.kick();
      } catch (error) {
        // One study whose image cannot be read must not hold up the others; the viewer's send shows the reason.
        this.deps.audit.record('results.build_failed', { type: 'study', id: studyId }, { reason: error instanceof Error ? error.message : String(error) });
      }
    }
    if (built > 0) this.deps.audit.record('results.built', undefined, { count: built });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.builds.then(work, work);
    this.builds = next.catch(() => undefined);
    return next;
  }

  /** Builds, stores and queues the study's next document; answers its revision. */
  private async build(facts: StudyResultFacts, destinations: DicomPeer[]): Promise<number> {
    const sources = await Promise.all(facts.images.map((image) => readScoredImageSource(this.deps.store.resolve(image.storedPath))));
    const images: ImageAssessment[] = facts.images.map((image, index) => {
      const reference = sources[index]!.reference;
      return image.verdict === 'not_applicable' || image.probability === null
        ? { kind: 'not_assessed', reference, reason: image.reason ?? 'not a chest radiograph' }
        : { kind: 'scored', reference, verdict: image.verdict, reason: image.reason, probability: image.probability };
    });
    const { orgUidRoot } = this.settings();
    const latest = this.results.latest(facts.studyId);
    const revision = (latest?.revision ?? 0) + 1;
    const series = latest?.seriesInstanceUid ?? newUid(orgUidRoot);
    const instance = newUid(orgUidRoot);
    const dataset = buildResultDataset({
      study: sources[0]!.study,
      images,
      threshold: facts.threshold,
      thresholdPreset: facts.thresholdPreset,
      model: { name: facts.modelName, versionId: facts.modelVersionId, trainingFingerprint: facts.trainingFingerprint },
      station: { aeTitle: this.deps.aeTitle(), softwareVersion: this.deps.softwareVersion },
      uids: { series, instance },
      revision,
      predecessor: latest ? { seriesInstanceUid: latest.seriesInstanceUid, sopInstanceUid: latest.sopInstanceUid } : null,
      createdAt: new Date(),
    });
    this.results.add(
      {
        studyId: facts.studyId,
        revision,
        modelVersionId: facts.modelVersionId,
        contentKey: facts.contentKey,
        seriesInstanceUid: series,
        sopInstanceUid: instance,
        predecessorId: latest?.id ?? null,
        assessed: images.some((image) => image.kind === 'scored'),
        document: writeResultDocument(dataset),
      },
      destinations,
    );
    return revision;
  }

  /** Sends what is due now; when nothing is, sleeps until the next retry. */
  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pumping = this.pump()
      .catch((error: unknown) => console.error(`[cxr-triage] sending results failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.pumping = null;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.kick();
        } else this.sleepUntilNextDue();
      });
  }

  private sleepUntilNextDue(): void {
    if (this.stopped) return;
    let next: number | null;
    try {
      next = this.results.nextDueMs();
    } catch (error) {
      // Called from a settled promise: a throw here would be an unhandled rejection, which ends Node.
      console.error(`[cxr-triage] sending results: the queue could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (next === null) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const due = this.results.due(Date.now(), 32);
      if (due.length === 0) return;
      const byPeer = new Map<string, typeof due>();
      for (const entry of due) {
        const key = `${entry.peer.aeTitle}@${entry.peer.host}:${entry.peer.port}`;
        byPeer.set(key, [...(byPeer.get(key) ?? []), entry]);
      }
      await Promise.all([...byPeer.values()].map((entries) => this.sendTo(entries)));
    }
  }

  private async sendTo(entries: ReturnType<ResultRepository['due']>): Promise<void> {
    const peer = entries[0]!.peer;
    this.results.markSending(entries.map((e) => e.id));
    let statuses: (number | null)[];
    try {
      statuses = await storeInstances(peer, this.deps.aeTitle(), entries.map((e) => e.document), this.sendTimeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const transient = !(error instanceof StoreAssociationError) || error.transient;
      for (const entry of entries) {
        if (transient) this.results.markRetry(entry.id, null, message, Date.now() + this.backoff(entry.attempts + 1));
        else this.results.markFailed(entry.id, null, message);
      }
      return;
    }
    entries.forEach((entry, index) => {
      const status = statuses[index] ?? null;
      if (status === null) this.results.markFailed(entry.id, null, `${peer.aeTitle} did not accept the document (no C-STORE answer: it may not take Comprehensive SR)`);
      else if (isSuccessOrWarning(status)) this.results.markSent(entry.id, status);
      else if (isOutOfResources(status)) this.results.markRetry(entry.id, status, `${peer.aeTitle} is out of resources`, Date.now() + this.backoff(entry.attempts + 1));
      else this.results.markFailed(entry.id, status, `${peer.aeTitle} refused the document with status ${status.toString(16).padStart(4, '0')}`);
    });
  }

  /** 1, 2, 4 ... times the base, up to the maximum (attempt counts from 1). */
  private backoff(attempt: number): number {
    return Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  }
}
