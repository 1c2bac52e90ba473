import type { OutboxList, ResultSettings } from '@shared/ipc/results-contract';
import { requestIssues, type RequestIssue } from '@shared/ipc/request-issues';
import { ApiError, call, errorMessage } from './api';

/** While the queue is on screen: often enough to watch a send go through. */
const POLL_MS = 2000;

export type ResultSaveOutcome = { ok: true } | { ok: false; message: string; issues: RequestIssue[] };

/** Results as DICOM as the window sees them: where they go, and the outbound queue. */
class ResultsState {
  settings = $state<ResultSettings | null>(null);
  settingsError = $state<string | null>(null);
  outbox = $state.raw<OutboxList | null>(null);
  outboxError = $state<string | null>(null);

  /** Polls the queue until the returned function is called (the screen unmounts). */
  watch(): () => void {
    void this.refresh();
    const timer = setInterval(() => void this.refresh(), POLL_MS);
    return () => clearInterval(timer);
  }

  async refresh(): Promise<void> {
    try {
      this.outbox = await call('listOutbox', { limit: 200 });
      this.outboxError = null;
    } catch (error) {
      this.outboxError = errorMessage(error);
    }
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await call('getResultSettings');
      this.settingsError = null;
    } catch (error) {
      this.settingsError = errorMessage(error);
    }
  }

  async save(settings: ResultSettings): Promise<ResultSaveOutcome> {
    try {
      this.settings = await call('updateResultSettings', settings);
      void this.refresh();
      return { ok: true };
    } catch (error) {
      const message = errorMessage(error);
      return { ok: false, message, issues: error instanceof ApiError && error.code === 'INVALID_REQUEST' ? requestIssues(message) : [] };
    }
  }

  async retry(id?: number): Promise<string | null> {
    try {
      await call('retryOutbox', id === undefined ? {} : { id });
      await this.refresh();
      return null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  /** The viewer's "Send result to PACS": a sentence for the user either way. */
  async sendStudy(studyId: number): Promise<{ ok: boolean; message: string }> {
    try {
      const { queued, revision } = await call('sendStudyResult', { studyId });
      return {
        ok: true,
        message: queued > 0 ? `Result ${revision} queued for ${queued} destination${queued === 1 ? '' : 's'}.` : `Result ${revision} is already sent or on its way.`,
      };
    } catch (error) {
      return { ok: false, message: errorMessage(error) };
    }
  }
}

export const results = new ResultsState();
