/**
 * `cli archives`, `cli query` and `cli retrieve`: the "Query archive" dialog, headless. Results are
 * printed for the person at the terminal; patient names and IDs only with --identified (a script's
 * output tends to end up in a log).
 */
import { remoteArchiveSchema, studyQuerySchema, type RemoteArchive, type StudyMatch } from '@shared/ipc/archive-contract';
import { AppError } from '@shared/ipc/errors';
import { invalidRequestMessage } from '@shared/ipc/request-issues';
import type { AppServices } from '../services/app/app-services';
import { printable } from '../terminal-text';
import { scoreAll } from './model-commands';

export const ARCHIVE_USAGE = `  archives list          the configured remote archives
  archives add <name> --dicom AE@host:port [--c-get] | --dicomweb <base URL>
                         add (or replace) an archive: DIMSE (C-MOVE, or C-GET) or DICOMweb
  archives remove <name>
  query --archive <name> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--modality CR|DX ...]
        [--patient-id X] [--patient-name X] [--accession X] [--identified]
                         find studies (C-FIND or QIDO-RS); --identified also prints patient name and ID
  retrieve --archive <name> (<StudyInstanceUID> ... | --all [query options])
                         retrieve studies (C-MOVE, C-GET or WADO-RS), import and score them; SIGINT cancels`;

function values(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && args[i + 1] !== undefined) out.push(args[++i]!);
    else if (args[i]!.startsWith(`--${name}=`)) out.push(args[i]!.slice(name.length + 3));
  }
  return out;
}

const last = (args: readonly string[], name: string) => values(args, name).at(-1);

function parsed<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError('BAD_INPUT', invalidRequestMessage(what, result.error.issues));
  return result.data;
}

export function archivesCommand(services: AppServices, rest: string[], args: readonly string[]): number {
  const [action, name] = rest;
  const current = services.archives.settings();
  if (action === 'list') {
    for (const archive of current.archives) console.log(`${printable(archive.name)}\t${describe(archive)}`);
    const { poll } = current;
    console.log(poll.archive === null ? 'Polling: off' : `Polling ${printable(poll.archive)} every ${poll.everyMinutes} min for the last ${poll.lookBackHours} h`);
    return 0;
  }
  if (action === 'remove') {
    if (!current.archives.some((archive) => archive.name === name)) throw new AppError('NOT_FOUND', `No archive named "${printable(name ?? '')}".`);
    services.archives.updateSettings({
      archives: current.archives.filter((archive) => archive.name !== name),
      poll: current.poll.archive === name ? { ...current.poll, archive: null } : current.poll,
    });
    return 0;
  }
  if (action !== 'add' || !name) throw new AppError('BAD_INPUT', 'archives needs list, add <name> ... or remove <name>.');
  const dicom = last(args, 'dicom');
  const url = last(args, 'dicomweb');
  let candidate: unknown;
  if (dicom) {
    const match = /^(.+)@(.+):(\d+)$/.exec(dicom);
    if (!match) throw new AppError('BAD_INPUT', `--dicom needs AE@host:port, e.g. PACS@10.0.0.5:104 (got "${printable(dicom)}").`);
    candidate = { kind: 'dimse', name, aeTitle: match[1], host: match[2], port: Number(match[3]), retrieve: args.includes('--c-get') ? 'c-get' : 'c-move' };
  } else if (url) candidate = { kind: 'dicomweb', name, baseUrl: url };
  else throw new AppError('BAD_INPUT', 'archives add needs --dicom AE@host:port or --dicomweb <base URL>.');
  const archive = parsed(remoteArchiveSchema, candidate, 'archives add');
  services.archives.updateSettings({ archives: [...current.archives.filter((other) => other.name !== archive.name), archive] });
  console.log(`Archive ${printable(archive.name)}: ${describe(archive)}.`);
  return 0;
}

function describe(archive: RemoteArchive): string {
  return archive.kind === 'dimse' ? `${archive.aeTitle}@${archive.host}:${archive.port} (${archive.retrieve.toUpperCase()})` : `DICOMweb ${archive.baseUrl}`;
}

function studyQuery(args: readonly string[]) {
  const modalities = values(args, 'modality').map((modality) => modality.toUpperCase());
  return parsed(
    studyQuerySchema,
    {
      archive: last(args, 'archive') ?? '',
      dateFrom: last(args, 'from'),
      dateTo: last(args, 'to'),
      modalities: modalities.length > 0 ? modalities : undefined,
      patientId: last(args, 'patient-id'),
      patientName: last(args, 'patient-name'),
      accessionNumber: last(args, 'accession'),
    },
    'query',
  );
}

function matchLine(study: StudyMatch, identified: boolean): string {
  const columns = [study.studyInstanceUid, study.studyDate ?? '-', study.modalities.join('/') || '-', study.instances ?? '-', study.alreadyHere ? 'here' : 'new', study.description ?? '-'];
  if (identified) columns.push(study.patientId ?? '-', study.patientName ?? '-', study.accessionNumber ?? '-');
  return columns.map((value) => printable(String(value))).join('\t');
}

export async function queryCommand(services: AppServices, args: readonly string[]): Promise<number> {
  const { studies, truncated } = await services.archives.query(studyQuery(args));
  const identified = args.includes('--identified');
  console.log(['StudyInstanceUID', 'date', 'modalities', 'instances', 'here?', 'description', ...(identified ? ['patient ID', 'patient name', 'accession'] : [])].join('\t'));
  for (const study of studies) console.log(matchLine(study, identified));
  console.log(`${studies.length} studies${truncated ? ' (more matched: narrow the query)' : ''}`);
  return 0;
}

export async function retrieveCommand(services: AppServices, rest: string[], args: readonly string[]): Promise<number> {
  const name = last(args, 'archive');
  if (!name) throw new AppError('BAD_INPUT', 'retrieve needs --archive <name>.');
  const archive = services.archives.archive(name);
  const uids = args.includes('--all') ? (await services.archives.query(studyQuery(args))).studies.map((study) => study.studyInstanceUid) : rest;
  if (uids.length === 0) throw new AppError('BAD_INPUT', 'retrieve needs Study Instance UIDs, or --all with query options.');
  if (archive.kind === 'dimse' && archive.retrieve === 'c-move') {
    // C-MOVE sends the study to this node: it listens with its stored settings for the duration.
    const status = await services.dicomNode.start({ ...services.dicomNode.settings(), enabled: true });
    if (status.state !== 'listening') throw new AppError('CONFLICT', `C-MOVE needs the DICOM node listening: ${status.reason ?? status.state}.`);
  }
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  const started = performance.now();
  let result;
  try {
    result = await services.archives.retrieve(name, uids, {
      signal: controller.signal,
      onProgress: (progress) => {
        if (!process.stderr.isTTY) return;
        const done = progress.studies.filter((study) => !['waiting', 'retrieving', 'importing'].includes(study.state)).length;
        const received = progress.studies.reduce((sum, study) => sum + study.received, 0);
        process.stderr.write(`\rstudies ${done}/${progress.studies.length}, instances received ${received}   `);
      },
    });
  } finally {
    process.off('SIGINT', cancel);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  await services.dicomNode.imported();
  const seconds = (performance.now() - started) / 1000;
  result.studies.forEach((study, index) => {
    const counts = `${study.received} received, ${study.added} added, ${study.alreadyStored} already here, ${study.rejected} refused`;
    console.log(`study ${index + 1}/${result.studies.length}: ${study.state}; ${counts}${study.error ? `; ${printable(study.error)}` : ''}`);
  });
  const received = result.studies.reduce((sum, study) => sum + study.received, 0);
  console.log(`Retrieved ${received} instances in ${seconds.toFixed(1)} s (${(received / Math.max(seconds, 1e-3)).toFixed(1)} instances/s).`);
  if (services.models.active('pneumonia')) await scoreAll(services);
  const failed = result.studies.some((study) => study.state === 'failed');
  return controller.signal.aborted ? 130 : failed ? 1 : 0;
}
