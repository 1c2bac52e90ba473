/**
 * How soon a freshly imported queue is scored: 50 real chest X-rays (../shared/data/chest_xray/test,
 * JPEG) imported as a folder into a fresh data folder whose active version is a real MobileNetV2
 * version (bench/real-version.ts), through the app's own services (import job, then the scoring
 * job it triggers). Measured: from the import's end to the moment every study has its score and
 * verdict in the database (what the worklist shows), and until every heatmap is drawn too.
 * The PyTorch peer scores the same files end to end in the same run (bench/peer/scoring_mobilenetv2_torch.py).
 * The compute worker is the built bundle (out/main/compute-worker.js, built first), as the app
 * runs it; `--worker source` runs it from TypeScript through tsx instead, as the tests do (slower
 * to start: tsx compiles the worker's modules in the thread).
 * Writes bench/results/scoring.json.
 *
 *   npm run bench:scoring -- [--runs 3] [--images 50] [--model DIR] [--worker built|source] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openAppServices } from '../src-main/services/app/app-services';
import { startComputeWorker } from '../src-main/services/ml/runtime/compute-worker-client';
import { realVersion } from './real-version';
import { median } from './torch-peer';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    images: { type: 'string', default: '50' },
    /** A model folder to reuse (made there the first time); by default one is made for this run. */
    model: { type: 'string' },
    worker: { type: 'string', default: 'built' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'scoring.json') },
  },
});

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(repoRoot, '../shared/data'));
const count = Number(args.images);
if (args.worker !== 'built' && args.worker !== 'source') throw new Error('--worker is built or source.');
const workerBundle = path.join(repoRoot, 'out', 'main', 'compute-worker.js');

/** Two folders of `count` test images each (Kaggle layout), alternating normal and pneumonia. */
function sourceFolders(): { dir: string; files: string[] }[] {
  const test = path.join(sharedData, 'chest_xray', 'test');
  const lists = ['NORMAL', 'PNEUMONIA'].map((label) => readdirSync(path.join(test, label)).sort().map((f) => path.join(label, f)));
  const picked: string[] = [];
  for (let i = 0; picked.length < 2 * count; i++) {
    if (!lists.some((list) => list[i])) throw new Error(`The test split has fewer than ${2 * count} images.`);
    for (const list of lists) if (picked.length < 2 * count && list[i]) picked.push(list[i]!);
  }
  return [picked.slice(0, count), picked.slice(count)].map((relatives) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-scoring-src-'));
    for (const relative of relatives) {
      mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
      copyFileSync(path.join(test, relative), path.join(dir, relative));
    }
    return { dir, files: relatives.map((relative) => path.join(dir, relative)) };
  });
}

interface ImportFigures {
  importSeconds: number;
  /** Import end to every study of the import scored (score and verdict stored). */
  scoredSeconds: number;
  /** Import end to every heatmap of the import drawn. */
  heatmapsSeconds: number;
}

/**
 * A fresh data folder with the version active, then two imports of `count` studies: the first
 * finds no compute worker (it starts when the import begins); the second comes once the first's
 * heatmaps are drawn, and finds the worker still warm.
 */
async function oneRun(modelDir: string, sources: string[]): Promise<{ cold: ImportFigures; warm: ImportFigures }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-scoring-data-'));
  const services = openAppServices(dataDir, {
    startDicomNode: false,
    ...(args.worker === 'built' ? { startScoringWorker: () => startComputeWorker(workerBundle) } : {}),
  });
  try {
    const staging = services.registry.stagingDir();
    cpSync(modelDir, staging, { recursive: true });
    const version = services.registry.register(staging, 'bench', 'model.trained');
    services.models.activate(version.id);
    const counted = (sql: string) => services.db.prepare(sql).pluck().get(version.id) as number;
    const importOnce = async (source: string, expected: number): Promise<ImportFigures> => {
      let importEnd = 0;
      let scored = 0;
      let drawn = 0;
      const finished = new Promise<void>((resolve) => {
        const off = services.jobs.onEvent((event) => {
          const now = performance.now();
          if (event.name === 'job.finished' && event.payload.kind === 'import') importEnd = now;
          if ((event.name !== 'job.progress' && event.name !== 'job.finished') || event.payload.kind !== 'scoring') return;
          if (!scored && counted('SELECT COUNT(*) FROM predictions WHERE model_version_id = ?') === expected) scored = now;
          if (!drawn && counted('SELECT COUNT(*) FROM predictions WHERE model_version_id = ? AND heatmap IS NOT NULL') === expected) drawn = now;
          if (event.name === 'job.finished' && scored && drawn) {
            off();
            resolve();
          }
        });
      });
      const importStart = performance.now();
      const outcome = await services.jobs.waitFor(await services.importer.start(source));
      if (outcome.importReport?.added !== count) throw new Error(`The import added ${outcome.importReport?.added} of ${count} images.`);
      await finished;
      // Scored during the import: counted as done at the import's end.
      return { importSeconds: (importEnd - importStart) / 1000, scoredSeconds: Math.max(0, scored - importEnd) / 1000, heatmapsSeconds: Math.max(0, drawn - importEnd) / 1000 };
    };
    const cold = await importOnce(sources[0]!, count);
    const warm = await importOnce(sources[1]!, 2 * count);
    return { cold, warm };
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function peer(files: string[], runs: number): { seconds: number; runs: number[]; batch: number; threads: number; torch: string } {
  const script = path.join(import.meta.dirname, 'peer', 'scoring_mobilenetv2_torch.py');
  const run = spawnSync('/usr/bin/python3', [script, String(runs)], { input: files.join('\n'), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`PyTorch peer failed (are python3-torch and python3-torchvision installed?): ${run.stderr.slice(-400)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ReturnType<typeof peer>;
}

const summary = (runs: ImportFigures[]) => ({
  runs,
  scoredSeconds: median(runs.map((r) => r.scoredSeconds)),
  heatmapsSeconds: median(runs.map((r) => r.heatmapsSeconds)),
  importSeconds: median(runs.map((r) => r.importSeconds)),
});

async function main(): Promise<void> {
  const runs = Number(args.runs);
  if (args.worker === 'built') {
    const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`The build failed: ${build.stderr.slice(-400)}`);
  }
  const modelDir = path.resolve(args.model ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'cxr-bench-scoring-model-')), 'model'));
  const made = await realVersion(modelDir, sharedData);
  const sources = sourceFolders();
  try {
    const cold: ImportFigures[] = [];
    const warm: ImportFigures[] = [];
    const line = (f: ImportFigures) => `import ${f.importSeconds.toFixed(2)} s, scored ${f.scoredSeconds.toFixed(2)} s after it, heatmaps ${f.heatmapsSeconds.toFixed(2)} s after it`;
    for (let i = 0; i < runs; i++) {
      const run = await oneRun(modelDir, sources.map((s) => s.dir));
      cold.push(run.cold);
      warm.push(run.warm);
      console.log(`run ${i + 1}: first import (worker cold): ${line(run.cold)}; second (worker warm): ${line(run.warm)}`);
    }
    const theirs = peer(sources[0]!.files, runs);
    const ours = { cold: summary(cold), warm: summary(warm) };
    const ratio = { cold: ours.cold.scoredSeconds / theirs.seconds, warm: ours.warm.scoredSeconds / theirs.seconds };
    const report = {
      bench: 'scoring',
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
      images: count,
      source: 'chest_xray/test JPEGs (longest side 1024 px), alternating NORMAL and PNEUMONIA; the second import has the next ones',
      version: `the app's recipe cut short (bench/real-version.ts: MobileNetV2 0.35, ImageNet weights, one epoch on 160 images)${made.trainedNow ? ', made in this run' : ', reused'}`,
      ours: {
        what:
          `fresh data folder, version active, services run from source (tsx), the compute worker ${args.worker === 'built' ? 'from the built bundle as in the app' : 'from source through tsx'}; a folder import through the import service, scored by the app's own scoring job (scores first, heatmaps after); times from the import job's end until every study of the import has its score and verdict stored, and until every heatmap is stored. cold: the first import, the compute worker starting when it begins; warm: a second import once the first's heatmaps are drawn`,
        ...ours,
      },
      peer: {
        what: `PyTorch ${theirs.torch}, ${theirs.threads} threads: Pillow decode + grey + bilinear resize to 224, torchvision mobilenet_v2(width_mult=0.35).features + GAP + the same head, random weights, batches of ${theirs.batch}, model built and run once before timing; the first import's files; no database, no feature distance, no heatmap`,
        runs: theirs.runs,
        seconds: theirs.seconds,
      },
      ratio,
      target: 'every study scored <= 2 s after its import ends',
    };
    mkdirSync(path.dirname(args.out!), { recursive: true });
    writeFileSync(args.out!, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`ours (worker cold): ${count} studies scored ${ours.cold.scoredSeconds.toFixed(2)} s after the import ended (heatmaps ${ours.cold.heatmapsSeconds.toFixed(2)} s)`);
    console.log(`ours (worker warm): ${count} studies scored ${ours.warm.scoredSeconds.toFixed(2)} s after the import ended (heatmaps ${ours.warm.heatmapsSeconds.toFixed(2)} s)`);
    console.log(`peer: PyTorch end to end ${theirs.seconds.toFixed(2)} s`);
    console.log(`ratio: ${ratio.cold.toFixed(2)} (cold), ${ratio.warm.toFixed(2)} (warm)`);
  } finally {
    for (const source of sources) rmSync(source.dir, { recursive: true, force: true });
    if (!args.model) rmSync(path.dirname(modelDir), { recursive: true, force: true });
  }
}

await main();
