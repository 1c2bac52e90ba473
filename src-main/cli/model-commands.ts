/**
 * The CLI's model and scoring commands, so hospital IT can validate a version on its own labelled
 * folder with a script: import a version, activate it, score everything, export the CSV.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '@shared/ipc/errors';
import type { AppServices } from '../services/app/app-services';
import { exportWorklistCsv } from '../services/exports/worklist-export';

function progressLine(services: AppServices, kind: 'scoring' | 'activation'): () => void {
  return services.jobs.onEvent((event) => {
    if (event.name === 'job.progress' && event.payload.kind === kind && process.stderr.isTTY) {
      process.stderr.write(`\r${event.payload.message}: ${event.payload.done}/${event.payload.total ?? '?'}   `);
    }
  });
}

function verdictSummary(services: AppServices, versionId: number): string {
  const c = services.predictions.verdictCounts(versionId);
  return `${c.in_scope} in scope, ${c.outside_population} outside the population, ${c.unusual_image} unusual, ${c.not_applicable} not applicable`;
}

export function listModels(services: AppServices): number {
  for (const v of services.models.list('pneumonia')) {
    console.log([v.id, v.isActive ? 'active' : '-', v.threshold ?? '-', v.auc?.toFixed(3) ?? '-', v.name].join('\t'));
  }
  return 0;
}

export async function importModel(services: AppServices, file: string | undefined): Promise<number> {
  if (!file) throw new AppError('BAD_INPUT', 'models import needs a file: cli models import <file.cxrmodel>');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new AppError('NOT_FOUND', `Cannot read ${file}.`);
  }
  const version = await services.registry.importFile(path.basename(file), bytes);
  console.log(`Imported as version ${version.id} (${version.name}), not active; threshold ${version.threshold ?? '-'}.`);
  return 0;
}

/** Activates a version the way the app does: it scores every study first, then goes live. */
export async function activateModel(services: AppServices, idText: string | undefined): Promise<number> {
  const id = Number(idText);
  if (!Number.isInteger(id) || id <= 0) throw new AppError('BAD_INPUT', 'models activate needs a version id: cli models activate <id>');
  if (services.models.task(id) !== 'pneumonia') throw new AppError('BAD_INPUT', `Model version ${id} is not a pneumonia model.`);
  const started = performance.now();
  const result = services.scoring.activate(id);
  if (result.jobId) {
    const stop = progressLine(services, 'activation');
    const cancel = () => services.jobs.cancel(result.jobId!);
    process.once('SIGINT', cancel);
    const finished = await services.jobs.waitFor(result.jobId);
    process.off('SIGINT', cancel);
    stop();
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (finished.status !== 'completed') {
      console.error(`Activation ${finished.status}${finished.error ? `: ${finished.error}` : ''}; the previous version stays active.`);
      return finished.status === 'cancelled' ? 130 : 1;
    }
  }
  console.log(`Version ${id} is active (${((performance.now() - started) / 1000).toFixed(1)} s): ${verdictSummary(services, id)}.`);
  return 0;
}

/** Returns once the active version has scored every study it can read. */
export async function scoreAll(services: AppServices): Promise<number> {
  const active = services.models.active('pneumonia');
  if (!active) throw new AppError('CONFLICT', 'No model version is active: import one and activate it first.');
  const started = performance.now();
  const stop = progressLine(services, 'scoring');
  let before = Infinity;
  for (;;) {
    const { jobId, pending } = services.scoring.start();
    // A pass that leaves the same images unscored means the worker cannot read them: stop there.
    if (!jobId || pending >= before) break;
    before = pending;
    const finished = await services.jobs.waitFor(jobId);
    if (finished.status === 'failed') {
      stop();
      console.error(`Scoring failed: ${finished.error ?? 'unknown error'}`);
      return 1;
    }
  }
  stop();
  if (process.stderr.isTTY) process.stderr.write('\n');
  const left = services.scoring.pending(active.id).length;
  console.log(
    `Scored with version ${active.id} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${verdictSummary(services, active.id)}` +
      (left > 0 ? `; ${left} images could not be read and stay unscored.` : '.'),
  );
  return left > 0 ? 1 : 0;
}

export function exportCsv(services: AppServices, identified: boolean, out: string | undefined): number {
  const { csv, rows, fileName } = exportWorklistCsv({ studies: services.studies, models: services.models, audit: services.audit }, identified);
  if (!out) {
    process.stdout.write(csv);
    return 0;
  }
  writeFileSync(out, csv);
  console.error(`Wrote ${rows} studies to ${out} (${identified ? 'identified' : 'de-identified'}; the app would name it ${fileName}).`);
  return 0;
}
