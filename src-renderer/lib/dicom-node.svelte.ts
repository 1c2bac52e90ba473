import type { DicomNodeSettings, DicomNodeStatus, DicomPeer } from '@shared/ipc/dicom-node-contract';
import { requestIssues, type RequestIssue } from '@shared/ipc/request-issues';
import { ApiError, call, errorMessage, onAppEvent } from './api';
import { describeStatus } from './dicom-node-status';

/** Often enough that the top bar notices a listener that failed, rarely enough to cost nothing. */
const POLL_MS = 5000;

export type SaveOutcome = { ok: true } | { ok: false; message: string; issues: RequestIssue[] };
export type EchoOutcome = { ok: true; roundTripMs: number } | { ok: false; message: string; issues: RequestIssue[] };

/**
 * The DICOM node as the window sees it: its status (polled, and refreshed when studies arrive or
 * the settings change) for the top bar, and its saved settings for the settings screen.
 */
class DicomNodeState {
  status = $state<DicomNodeStatus | null>(null);
  /** Set when the status cannot be read at all. */
  statusError = $state<string | null>(null);
  settings = $state<DicomNodeSettings | null>(null);
  settingsError = $state<string | null>(null);

  /** One line for the top bar's tooltip. */
  readonly summary = $derived(
    this.statusError
      ? `DICOM node: its status cannot be read (${this.statusError})`
      : this.status
        ? `${describeStatus(this.status)}. Click for the DICOM node settings.`
        : 'DICOM node settings',
  );

  listen(): () => void {
    void this.refreshStatus();
    const timer = setInterval(() => void this.refreshStatus(), POLL_MS);
    const stop = onAppEvent((event) => {
      if (event.name === 'studies.arrived') void this.refreshStatus();
    });
    return () => {
      clearInterval(timer);
      stop();
    };
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await call('dicomNodeStatus');
      this.statusError = null;
    } catch (error) {
      this.statusError = errorMessage(error);
    }
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await call('getDicomNodeSettings');
      this.settingsError = null;
    } catch (error) {
      this.settingsError = errorMessage(error);
    }
  }

  /** Saves every field at once; the node restarts with them (or stops). A refusal names its fields. */
  async save(settings: DicomNodeSettings): Promise<SaveOutcome> {
    try {
      const saved = await call('updateDicomNodeSettings', settings);
      this.settings = saved.settings;
      this.status = saved.status;
      return { ok: true };
    } catch (error) {
      return refusal(error);
    }
  }

  /** A C-ECHO from this node to the peer: the round trip, or why it failed. */
  async echo(peer: DicomPeer): Promise<EchoOutcome> {
    try {
      const { roundTripMs } = await call('echoDicomPeer', { peer });
      return { ok: true, roundTripMs };
    } catch (error) {
      return refusal(error);
    }
  }
}

function refusal(error: unknown): { ok: false; message: string; issues: RequestIssue[] } {
  const message = errorMessage(error);
  return { ok: false, message, issues: error instanceof ApiError && error.code === 'INVALID_REQUEST' ? requestIssues(message) : [] };
}

export const dicomNode = new DicomNodeState();
