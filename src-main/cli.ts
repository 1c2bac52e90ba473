/**
 * Headless use of the same services the app uses.
 *   npm run cli -- import <folder>      import PNG/JPEG chest X-rays (recursively)
 *   npm run cli -- list [--search s]    list studies
 *   npm run cli -- imports              list past imports
 *   npm run cli -- report <importId>    show an import's rejected files
 *   npm run cli -- models list|import <file>|activate <id>
 *   npm run cli -- score                score every study with the active version
 *   npm run cli -- export-csv [--identified] [--out file]
 *   npm run cli -- archives|query|retrieve ...   query/retrieve from a remote archive
 *   npm run cli -- listen [--ae T] [--port N] [--host ip] [--allow AE@ip ...] [--send-results-to AE@host:port ...]   the DICOM node
 * Every command takes --data-dir <dir> (or the CXR_USER_DATA environment variable).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE, openAppServices, type AppServices } from './services/app/app-services';
import { resolveDataDir } from './services/app/data-dir';
import { openDatabase, openDatabaseReadOnly, type Db } from './services/db/database';
import { ImportRepository } from './services/imports/import-repository';
import { StudyRepository } from './services/studies/study-repository';
import { printable } from './terminal-text';
import type { ImportReport } from '@shared/ipc/contract';
import { AppError } from '@shared/ipc/errors';
import { LISTEN_USAGE, listen } from './cli/listen-command';
import { ARCHIVE_USAGE, archivesCommand, queryCommand, retrieveCommand } from './cli/archive-commands';
import { activateModel, exportCsv, importModel, listModels, scoreAll } from './cli/model-commands';

const USAGE = `Usage: cli <command> [options]
  import <folder>        import PNG/JPEG chest X-rays from a folder (recursively)
  list [--search text]   list studies, newest first
  imports                list past imports
  report <importId>      show an import's report with its rejected files
  models list            list the pneumonia model versions (id, active, threshold, AUC, name)
  models import <file>   import a .cxrmodel file as a new, inactive version
  models activate <id>   score every study with the version, then make it the active one
  score                  return once the active version has scored every study
  export-csv [--identified] [--out file]
                         the worklist with scores and verdicts as CSV (de-identified unless asked)
${LISTEN_USAGE}
${ARCHIVE_USAGE}
Options: --data-dir <dir>  use this data folder instead of the default`;

function positional(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i]!.startsWith('--')) {
      if (!args[i]!.includes('=')) i++;
      continue;
    }
    out.push(args[i]!);
  }
  return out;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function printReport(report: ImportReport, seconds: number): void {
  console.log(
    `Import ${report.status}: ${report.added} added, ${report.skipped} already present, ${report.rejected} rejected ` +
      `(${report.filesSeen} files in ${seconds.toFixed(1)} s, ${(report.filesSeen / Math.max(seconds, 1e-3)).toFixed(1)} files/s).`,
  );
  for (const file of report.rejectedFiles) console.log(`  rejected ${printable(file.path)}: ${printable(file.reason)}`);
}

async function runImport(services: AppServices, folder: string): Promise<number> {
  const started = performance.now();
  const jobId = await services.importer.start(folder);
  const stopProgress = services.jobs.onEvent((event) => {
    if (event.name === 'job.progress' && process.stderr.isTTY) {
      const { done, total } = event.payload;
      process.stderr.write(`\r${event.payload.phase} ${done}/${total ?? '?'}   `);
    }
  });
  const cancel = () => services.jobs.cancel(jobId);
  process.once('SIGINT', cancel);
  const finished = await services.jobs.waitFor(jobId);
  process.off('SIGINT', cancel);
  stopProgress();
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (finished.status === 'failed' || !finished.importReport) {
    console.error(`Import failed: ${printable(finished.error ?? 'unknown error')}`);
    return 1;
  }
  printReport(finished.importReport, (performance.now() - started) / 1000);
  return finished.status === 'completed' ? 0 : 130;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = positional(args);
  if (!command || command === 'help' || args.includes('--help')) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const dataDir = resolveDataDir(args);
  if (command === 'import') {
    if (!rest[0]) throw new AppError('BAD_INPUT', 'import needs a folder: cli import <folder>');
    // The node listens only when `listen` asks: an import or a report must not open a port.
    const services = openAppServices(dataDir, { startDicomNode: false });
    try {
      return await runImport(services, rest[0]);
    } finally {
      await services.close();
    }
  }
  if (['models', 'score', 'export-csv', 'listen', 'archives', 'query', 'retrieve'].includes(command)) {
    const services = openAppServices(dataDir, { startDicomNode: false });
    try {
      return await runWriting(services, command, rest, args);
    } finally {
      await services.close();
    }
  }
  if (!['list', 'imports', 'report'].includes(command)) {
    console.error(`Unknown command "${printable(command)}".\n${USAGE}`);
    return 2;
  }
  // Reading needs no lock: it works beside the app or an import writing the same folder.
  const db = openForReading(dataDir);
  try {
    const studies = new StudyRepository(db);
    const imports = new ImportRepository(db);
    switch (command) {
      case 'list': {
        const { total, rows } = studies.list({ search: flag(args, 'search'), limit: 10_000, offset: 0 });
        for (const row of rows) {
          console.log([row.id, row.patientId ?? '-', row.fileName, row.label ?? '-', row.status, row.importedAt].map((v) => printable(String(v))).join('\t'));
        }
        console.log(`${total} studies`);
        return 0;
      }
      case 'imports': {
        for (const i of imports.list(50)) {
          console.log(`${i.id}\t${i.status}\t${i.startedAt}\tadded ${i.added}\tskipped ${i.skipped}\trejected ${i.rejected}\t${printable(i.rootPath)}`);
        }
        return 0;
      }
      default: {
        const report = imports.report(Number(rest[0]));
        if (!report) throw new AppError('NOT_FOUND', `No import ${rest[0] ?? ''}.`);
        printReport(report, report.finishedAt ? (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000 : 0);
        return 0;
      }
    }
  } finally {
    db.close();
  }
}

/** Commands that change the folder: they hold its lock like the app does. */
async function runWriting(services: AppServices, command: string, rest: string[], args: string[]): Promise<number> {
  switch (command) {
    case 'models':
      if (rest[0] === 'list') return listModels(services);
      if (rest[0] === 'import') return await importModel(services, rest[1]);
      if (rest[0] === 'activate') return await activateModel(services, rest[1]);
      throw new AppError('BAD_INPUT', 'models needs list, import <file> or activate <id>.');
    case 'score':
      return await scoreAll(services);
    case 'listen':
      return await listen(services, args);
    case 'archives':
      return archivesCommand(services, rest, args);
    case 'query':
      return await queryCommand(services, args);
    case 'retrieve':
      return await retrieveCommand(services, rest, args);
    default:
      return exportCsv(services, args.includes('--identified'), flag(args, 'out'));
  }
}

/** The folder's database read-only; an empty one in memory where nothing was ever imported. */
function openForReading(dataDir: string): Db {
  const file = path.join(dataDir, DATABASE_FILE);
  return existsSync(file) ? openDatabaseReadOnly(file) : openDatabase(':memory:');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(printable(error instanceof AppError ? error.message : `Failed: ${error instanceof Error ? error.message : String(error)}`));
    process.exit(1);
  },
);
