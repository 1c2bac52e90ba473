import type { ArchiveSettings, RemoteArchive, RetrieveProgress, StudyMatch, StudyQueryInput } from '@shared/ipc/archive-contract';
import { requestIssues, type RequestIssue } from '@shared/ipc/request-issues';
import { ApiError, call, errorMessage, onAppEvent } from './api';

export type Outcome<T> = ({ ok: true } & T) | { ok: false; message: string; issues: RequestIssue[] };

function refusal(error: unknown): { ok: false; message: string; issues: RequestIssue[] } {
  const message = errorMessage(error);
  return { ok: false, message, issues: error instanceof ApiError && error.code === 'INVALID_REQUEST' ? requestIssues(message) : [] };
}

/**
 * The remote archives as the window sees them: the saved settings (archives and the poll), the
 * query of the "Query archive" dialog and the retrieves under way with their per-study progress.
 */
class ArchivesState {
  settings = $state<ArchiveSettings | null>(null);
  settingsError = $state<string | null>(null);
  /** Retrieves started from this window, by id, as their last progress event left them. */
  retrieves = $state<Record<string, RetrieveProgress>>({});
  private stopListening: (() => void) | null = null;

  async loadSettings(): Promise<void> {
    try {
      this.settings = await call('getArchiveSettings', {});
      this.settingsError = null;
    } catch (error) {
      this.settingsError = errorMessage(error);
    }
  }

  async save(settings: ArchiveSettings): Promise<Outcome<object>> {
    try {
      this.settings = await call('updateArchiveSettings', settings);
      return { ok: true };
    } catch (error) {
      return refusal(error);
    }
  }

  async test(archive: RemoteArchive): Promise<Outcome<{ roundTripMs: number }>> {
    try {
      return { ok: true, ...(await call('echoArchive', { archive })) };
    } catch (error) {
      return refusal(error);
    }
  }

  async query(query: StudyQueryInput): Promise<Outcome<{ studies: StudyMatch[]; truncated: boolean }>> {
    try {
      return { ok: true, ...(await call('queryArchive', query)) };
    } catch (error) {
      return refusal(error);
    }
  }

  async retrieve(archive: string, studyInstanceUids: string[]): Promise<Outcome<{ retrieveId: string }>> {
    this.listen();
    try {
      const { retrieveId } = await call('retrieveFromArchive', { archive, studyInstanceUids });
      this.retrieves[retrieveId] ??= { retrieveId, archive, finished: false, studies: [] };
      return { ok: true, retrieveId };
    } catch (error) {
      return refusal(error);
    }
  }

  async cancel(retrieveId: string): Promise<void> {
    try {
      await call('cancelArchiveRetrieve', { retrieveId });
    } catch {
      // Already finished: its last event says how it ended.
    }
  }

  private listen(): void {
    this.stopListening ??= onAppEvent((event) => {
      if (event.name === 'archive.retrieveProgress') this.retrieves[event.payload.retrieveId] = event.payload;
    });
  }
}

export const archives = new ArchivesState();
