import type { DimseArchive, StudyMatch, StudyQuery } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import { constants, dimseRequests } from './dimse';
import { exchange, statusText } from './dimse-exchange';
import { MAX_MATCHES, studyKeys, studyMatch, textOf } from './study-query';

const { Status } = constants;

/** A study-level C-FIND (Study Root) to the archive; matches beyond MAX_MATCHES are cancelled and reported as truncated. */
export async function findStudies(
  archive: DimseArchive,
  query: StudyQuery,
  options: { callingAeTitle: string; alreadyHere: (studyInstanceUid: string) => boolean; signal?: AbortSignal; timeoutMs?: number },
): Promise<{ studies: StudyMatch[]; truncated: boolean }> {
  const keys = studyKeys(query);
  const request = dimseRequests.CFindRequest.createStudyFindRequest({ ...keys, ModalitiesInStudy: keys.ModalitiesInStudy.join('\\') });
  const studies: StudyMatch[] = [];
  let truncated = false;
  let failure: number | null = null;
  const enough = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, enough.signal]) : enough.signal;
  request.on('response', (response: { getStatus(): number; getDataset(): { getElements(): Record<string, unknown> } | undefined }) => {
    const status = response.getStatus();
    if (status === Status.Pending) {
      const elements = response.getDataset()?.getElements();
      if (!elements) return;
      if (studies.length >= MAX_MATCHES) {
        truncated = true;
        if (!enough.signal.aborted) enough.abort();
        return;
      }
      const match = studyMatch(
        {
          studyInstanceUid: textOf(elements.StudyInstanceUID),
          patientId: textOf(elements.PatientID),
          patientName: textOf(elements.PatientName),
          studyDate: textOf(elements.StudyDate),
          accessionNumber: textOf(elements.AccessionNumber),
          description: textOf(elements.StudyDescription),
          modalities: textOf(elements.ModalitiesInStudy),
          instances: textOf(elements.NumberOfStudyRelatedInstances),
        },
        options.alreadyHere,
      );
      if (match) studies.push(match);
    } else if (status !== Status.Success && status !== Status.Cancel) failure = status;
  });
  try {
    await exchange(archive, request, { callingAeTitle: options.callingAeTitle, signal, timeoutMs: options.timeoutMs });
  } catch (error) {
    // Our own cancel after enough matches is not a failure.
    if (!(truncated && !options.signal?.aborted)) throw error;
  }
  if (failure !== null) throw new AppError('BAD_INPUT', `${archive.name} refused the query: ${statusText(failure)}.`);
  return { studies, truncated };
}
