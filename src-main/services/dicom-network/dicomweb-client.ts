import type { DicomWebArchive, StudyMatch, StudyQuery } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import { Cancelled } from './cancelled';
import { boundaryOf, MultipartError, parseMultipartRelated } from './multipart-related';
import { MAX_MATCHES, studyKeys, studyMatch, textOf } from './study-query';

/** A DICOM JSON data set (PS3.18 F.2): tags as 8 hex digits, each with its VR and a Value list. */
type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

export interface InstanceRef {
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * QIDO-RS and WADO-RS over Node's fetch, for archives that speak DICOMweb (Orthanc's plugin,
 * dcm4chee, Google/Azure DICOM services). Every failure is an AppError that names the archive and
 * says what went wrong: unreachable, an HTTP error status, an answer that is not DICOM JSON or not
 * a multipart/related of DICOM files.
 */
export class DicomWebClient {
  constructor(
    private readonly archive: DicomWebArchive,
    private readonly timeoutMs = 30_000,
  ) {}

  async findStudies(query: StudyQuery, alreadyHere: (studyInstanceUid: string) => boolean, signal?: AbortSignal): Promise<{ studies: StudyMatch[]; truncated: boolean }> {
    const keys = studyKeys(query);
    const params = new URLSearchParams();
    if (keys.StudyDate) params.set('StudyDate', keys.StudyDate);
    // Multiple values: a comma-separated list (PS3.18 8.3.4.1); Orthanc matches nothing for a backslash.
    params.set('ModalitiesInStudy', keys.ModalitiesInStudy.join(','));
    if (keys.PatientID) params.set('PatientID', keys.PatientID);
    if (keys.PatientName) params.set('PatientName', keys.PatientName);
    if (keys.AccessionNumber) params.set('AccessionNumber', keys.AccessionNumber);
    for (const field of ['00100010', '00100020', '00080020', '00080050', '00081030', '00080061', '00201208']) params.append('includefield', field);
    params.set('limit', String(MAX_MATCHES + 1));
    const found = await this.json(`/studies?${params}`, signal);
    const studies: StudyMatch[] = [];
    for (const item of found.slice(0, MAX_MATCHES)) {
      const match = studyMatch(
        {
          studyInstanceUid: value(item, '0020000D'),
          patientId: value(item, '00100020'),
          patientName: value(item, '00100010'),
          studyDate: value(item, '00080020'),
          accessionNumber: value(item, '00080050'),
          description: value(item, '00081030'),
          modalities: value(item, '00080061'),
          instances: value(item, '00201208'),
        },
        alreadyHere,
      );
      if (match) studies.push(match);
    }
    return { studies, truncated: found.length > MAX_MATCHES };
  }

  /** The study's instances (QIDO-RS), so each can be fetched, counted and cancelled between. */
  async instances(studyInstanceUid: string, signal?: AbortSignal): Promise<InstanceRef[]> {
    const found = await this.json(`/studies/${studyInstanceUid}/instances`, signal);
    const refs: InstanceRef[] = [];
    for (const item of found) {
      const seriesInstanceUid = value(item, '0020000E');
      const sopInstanceUid = value(item, '00080018');
      if (seriesInstanceUid && sopInstanceUid && UID.test(seriesInstanceUid) && UID.test(sopInstanceUid)) refs.push({ seriesInstanceUid, sopInstanceUid });
    }
    return refs;
  }

  /** One instance as the Part 10 file the archive holds (WADO-RS, any transfer syntax: the decoder reads them all). */
  async instance(studyInstanceUid: string, ref: InstanceRef, signal?: AbortSignal): Promise<Buffer> {
    const route = `/studies/${studyInstanceUid}/series/${ref.seriesInstanceUid}/instances/${ref.sopInstanceUid}`;
    const { response, timeout } = await this.request(route, 'multipart/related; type="application/dicom"; transfer-syntax=*', signal);
    const boundary = boundaryOf(response.headers.get('content-type'));
    if (!boundary) throw this.garbage(`answered ${response.headers.get('content-type') ?? 'no content type'} instead of multipart/related DICOM`);
    const body = Buffer.from(await this.read(response, timeout, signal));
    try {
      const parts = parseMultipartRelated(body, boundary);
      const dicom = parts.find((part) => (part.headers['content-type'] ?? 'application/dicom').toLowerCase().startsWith('application/dicom'));
      if (!dicom) throw new MultipartError('no application/dicom part');
      return dicom.body;
    } catch (error) {
      if (error instanceof MultipartError) throw this.garbage(`answered a malformed multipart response (${error.message})`);
      throw error;
    }
  }

  /** The "Test" of a DICOMweb archive: one QIDO-RS request that must answer DICOM JSON. */
  async echo(): Promise<void> {
    await this.json('/studies?limit=1');
  }

  private async json(route: string, signal?: AbortSignal): Promise<DicomJson[]> {
    const { response, timeout } = await this.request(route, 'application/dicom+json', signal);
    // 204: no matches.
    if (response.status === 204) return [];
    const text = new TextDecoder().decode(await this.read(response, timeout, signal));
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? [] : JSON.parse(text);
    } catch {
      throw this.garbage('answered something that is not JSON');
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) {
      throw this.garbage('answered JSON that is not a list of DICOM data sets');
    }
    return parsed as DicomJson[];
  }

  private async request(route: string, accept: string, signal?: AbortSignal): Promise<{ response: Response; timeout: AbortSignal }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      // No gzip: pixel data hardly compresses, and compressing 6 MB images costs the archive and us more than the transfer.
      response = await fetch(`${this.archive.baseUrl}${route}`, { headers: { accept, 'accept-encoding': 'identity' }, signal: combined });
    } catch (error) {
      if (signal?.aborted) throw new Cancelled();
      if (timeout.aborted) throw new AppError('BAD_INPUT', `${this.archive.name} did not answer within ${this.timeoutMs / 1000} s.`);
      throw new AppError('BAD_INPUT', `Cannot reach ${this.archive.name} at ${this.archive.baseUrl}: ${fetchReason(error)}.`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const hint = response.status === 401 || response.status === 403 ? ' (it wants credentials this app does not send)' : response.status === 404 ? ' (is the base URL right, e.g. http://host:8042/dicom-web?)' : '';
      throw new AppError('BAD_INPUT', `${this.archive.name} answered HTTP ${response.status} ${response.statusText}${hint}.`);
    }
    return { response, timeout };
  }

  private async read(response: Response, timeout: AbortSignal, signal?: AbortSignal): Promise<ArrayBuffer> {
    try {
      return await response.arrayBuffer();
    } catch {
      if (signal?.aborted) throw new Cancelled();
      if (timeout.aborted) throw new AppError('BAD_INPUT', `${this.archive.name} did not finish its answer within ${this.timeoutMs / 1000} s.`);
      throw new AppError('BAD_INPUT', `${this.archive.name} closed the connection in the middle of its answer.`);
    }
  }

  private garbage(what: string): AppError {
    return new AppError('BAD_INPUT', `${this.archive.name} ${what}: is ${this.archive.baseUrl} a DICOMweb service?`);
  }
}

/** The first value of a DICOM JSON attribute as text (a person name as its alphabetic form). */
function value(item: DicomJson, tag: string): string | null {
  const values = item[tag]?.Value;
  return Array.isArray(values) ? textOf(values) : null;
}

function fetchReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused (nothing listens on that port)';
    case 'ENOTFOUND':
      return 'the host name is unknown';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    default:
      return 'a network error';
  }
}
