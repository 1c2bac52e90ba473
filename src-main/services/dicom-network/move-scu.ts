import type { DimseArchive } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import { constants, dimseRequests } from './dimse';
import { exchange, statusText } from './dimse-exchange';

const { Status } = constants;

export interface SubOperations {
  completed: number;
  failed: number;
  warnings: number;
  /** Still to send; null when the archive did not say. */
  remaining: number | null;
}

export interface SubOperationResponse {
  getStatus(): number;
  getCompleted(): number;
  getFailures(): number;
  getWarnings(): number;
  getRemaining(): number;
}

/** Counts from a C-MOVE or C-GET response; absent counts (optional in final responses) read as 0 or unknown. */
export function subOperations(response: SubOperationResponse): SubOperations {
  const count = (read: () => number) => {
    const value = read();
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };
  return {
    completed: count(() => response.getCompleted()) ?? 0,
    failed: count(() => response.getFailures()) ?? 0,
    warnings: count(() => response.getWarnings()) ?? 0,
    remaining: count(() => response.getRemaining()),
  };
}

/**
 * A study-level C-MOVE asking the archive to send the study to `destinationAeTitle` (this node, whose
 * storage SCP receives and spools the instances). Resolves with the final sub-operation counts once
 * the archive says the move is done; a failure status or failed sub-operations reject with the reason.
 */
export async function moveStudy(
  archive: DimseArchive,
  studyInstanceUid: string,
  options: { callingAeTitle: string; destinationAeTitle: string; signal?: AbortSignal; onProgress?: (counts: SubOperations) => void; timeoutMs?: number },
): Promise<SubOperations> {
  const request = dimseRequests.CMoveRequest.createStudyMoveRequest(options.destinationAeTitle, studyInstanceUid);
  let last: SubOperations = { completed: 0, failed: 0, warnings: 0, remaining: null };
  let finalStatus: number | null = null;
  request.on('response', (response: SubOperationResponse) => {
    const status = response.getStatus();
    const counts = subOperations(response);
    last = { ...counts, completed: Math.max(counts.completed, last.completed) };
    if (status === Status.Pending) options.onProgress?.(last);
    else finalStatus = status;
  });
  await exchange(archive, request, { callingAeTitle: options.callingAeTitle, signal: options.signal, timeoutMs: options.timeoutMs });
  return finalCounts(archive, finalStatus, last, `could not send the study to ${options.destinationAeTitle}`);
}

/** Success, or warning with nothing failed, is success; anything else says what the archive reported. */
export function finalCounts(archive: DimseArchive, status: number | null, counts: SubOperations, what: string): SubOperations {
  if (status === null) throw new AppError('BAD_INPUT', `${archive.name} ended the association before its final answer.`);
  if (status === Status.Cancel) return { ...counts, remaining: counts.remaining ?? 0 };
  if (status === Status.Success || (status === 0xb000 && counts.failed === 0)) return { ...counts, remaining: 0 };
  if (status === 0xb000) throw new AppError('BAD_INPUT', `${archive.name} ${what}: ${counts.failed} of ${counts.failed + counts.completed + counts.warnings} instances failed.`);
  throw new AppError('BAD_INPUT', `${archive.name} ${what}: ${statusText(status)}${counts.failed > 0 ? ` (${counts.failed} instances failed)` : ''}.`);
}
