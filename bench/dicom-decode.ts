/**
 * DICOM decoding by transfer syntax over the shared corpus: ours against pydicom + numpy, measured
 * in the same run on the same files, as wall time for a group of files.
 *   npm run bench:dicom [-- --out FILE]
 *
 * Work per file, on both sides: read it from disk, parse it, decode every frame's pixel data to an
 * array. Ours: the app's decode pool (worker threads, one per core) given every frame of every file
 * of the group at once, each frame as the viewer asks for it (DicomDecodePool.frame with the file's
 * path, the worker reading the file: modality values
 * in the most compact exact type, with their range and window presets); also on one thread in this
 * process, each file parsed once and its frames decoded one after another, for reference. pydicom has no parallel decoding: one file after
 * another (dcmread + pixel_array), as a script using it would; and once more with the Modality LUT
 * applied and the range taken (apply_modality_lut, min, max), or the palette applied
 * (apply_color_lut), which is what our frame carries.
 * Groups compare only files both decode (pydicom without plugins cannot decode some syntaxes).
 * Each group is measured in rounds, pydicom then ours back to back in each, and the ratio is the
 * median of the rounds' ratios (with their spread): this machine's speed drifts over minutes.
 * The peer needs Debian's python3-pydicom and python3-numpy.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DicomDecodePool } from '../src-main/services/imaging/dicom/decode-pool';
import { decodeDicomFrame, decodeOpenedFrame, openDicomImage } from '../src-main/services/imaging/dicom/dicom-image';
import { parseDicom } from '../src-main/services/imaging/dicom/dicom-parse';
import { transferSyntax } from '../src-main/services/imaging/dicom/transfer-syntaxes';
import { median } from './torch-peer';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: path.join(import.meta.dirname, 'results', 'dicom-decode.json') } } });
const DATA = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(import.meta.dirname, '../../shared/data'), 'dicom');
const PYTHON = '/usr/bin/python3';
/** Each measurement repeats whole passes over its group until this long has gone by (at least 3). */
const SECONDS = 1;
/** Rounds of ours and pydicom measured back to back, for each group. */
const ROUNDS = 3;

interface Candidate {
  file: string;
  group: string;
  frames: number;
}

/** Every file we decode, with its transfer syntax (the group) and frame count. */
async function candidates(): Promise<Candidate[]> {
  const files = readFileSync(path.join(DATA, 'index.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => path.join(DATA, l.split('\t')[0]!));
  const out: Candidate[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    try {
      const parsed = parseDicom(bytes);
      if (!parsed?.dataSet.elements.x7fe00010 && !parsed?.dataSet.elements.x7fe00008) continue;
      const frame = await decodeDicomFrame(bytes, 0);
      for (let f = 1; f < frame.frames; f++) await decodeDicomFrame(bytes, f);
      const group = (transferSyntax(parsed.transferSyntaxUid)?.name ?? parsed.transferSyntaxUid) + (parsed.hasFileMeta ? '' : ' (no file meta)');
      out.push({ file, group, frames: frame.frames });
    } catch {
      // Files we refuse (damaged, no image) are not part of a speed comparison.
    }
  }
  return out;
}

function runPeer(files: Candidate[], flags: string[]): { failed: Set<string>; seconds: Map<string, number> } {
  const run = spawnSync(PYTHON, [path.join(import.meta.dirname, 'pydicom-peer.py'), ...flags], {
    input: files.map((c) => `${c.group}\t${c.file}`).join('\n'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`pydicom peer failed: ${run.stderr.slice(-400)}`);
  const failed = new Set<string>();
  const seconds = new Map<string, number>();
  for (const line of run.stdout.trim().split('\n').filter(Boolean)) {
    const entry = JSON.parse(line) as { failed?: string; group?: string; seconds?: number };
    if (entry.failed) failed.add(entry.failed);
    else seconds.set(entry.group!, entry.seconds!);
  }
  return { failed, seconds };
}

/** Median wall time of a pass, passes repeated until SECONDS have gone by (at least 3). */
async function timed(pass: () => Promise<void>): Promise<number> {
  await pass();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < 3 || performance.now() - started < SECONDS * 1000) {
    const start = performance.now();
    await pass();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

async function main(): Promise<void> {
  const all = await candidates();
  const probe = spawnSync(PYTHON, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('pydicom peer missing: apt-get install -y python3-pydicom python3-numpy');
  // Files pydicom decodes, with and without the Modality LUT: the groups compare those only.
  const refused = runPeer(all, ['--modality', '--probe']).failed;
  const compared = all.filter((c) => !refused.has(c.file));

  const threads = Math.min(4, os.availableParallelism());
  const pool = new DicomDecodePool();
  const groups = [...new Set(all.map((c) => c.group))].sort();
  const rows = [];
  try {
    for (const group of groups) {
      const ours = all.filter((c) => c.group === group);
      const shared = compared.filter((c) => c.group === group);
      const set = shared.length > 0 ? shared : ours;
      // Both sides measured back to back, round after round: this machine's speed drifts over
      // minutes, and a peer timed minutes before us would carry that drift into the ratio.
      const rounds: { pool: number; oneThread: number; peer: number | null; peerModality: number | null }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const peer = shared.length > 0 ? runPeer(shared, []).seconds.get(group) ?? null : null;
        const peerModality = shared.length > 0 ? runPeer(shared, ['--modality']).seconds.get(group) ?? null : null;
        const poolSeconds = await timed(async () => {
          await Promise.all(set.flatMap((c) => Array.from({ length: c.frames }, (_, f) => pool.frame({ path: c.file }, f))));
        });
        const oneThreadSeconds = await timed(async () => {
          for (const c of set) {
            const image = openDicomImage(await readFile(c.file));
            for (let f = 0; f < c.frames; f++) await decodeOpenedFrame(image, f);
          }
        });
        rounds.push({ pool: poolSeconds, oneThread: oneThreadSeconds, peer, peerModality });
      }
      const middle = (values: (number | null)[]) => (values.some((v) => v === null) ? null : median(values as number[]));
      const ratios = (peer: (r: (typeof rounds)[number]) => number | null) => rounds.map((r) => (peer(r) === null ? null : peer(r)! / r.pool));
      const speedups = ratios((r) => r.peer);
      rows.push({
        group,
        files: set.length,
        frames: set.reduce((n, c) => n + c.frames, 0),
        filesWeDecode: ours.length,
        rounds: rounds.length,
        oursSeconds: median(rounds.map((r) => r.pool)),
        oursOneThreadSeconds: median(rounds.map((r) => r.oneThread)),
        pydicomSeconds: middle(rounds.map((r) => r.peer)),
        pydicomModalitySeconds: middle(rounds.map((r) => r.peerModality)),
        /** pydicom's time over ours, the median of the rounds' ratios: 1 or more means ours is at least as fast. */
        speedup: middle(speedups),
        speedupRange: speedups.some((v) => v === null) ? null : [Math.min(...(speedups as number[])), Math.max(...(speedups as number[]))],
        speedupOverModality: middle(ratios((r) => r.peerModality)),
      });
    }
  } finally {
    await pool.close();
  }

  const ms = (s: number | null) => (s === null ? '—' : (s * 1000).toFixed(1));
  const x = (r: number | null) => (r === null ? '—' : r.toFixed(2));
  console.log(`ours: the decode pool on ${threads} worker threads; pydicom ${'one file after another'}; wall ms for all files of a group (every frame); ratio = pydicom / ours (>= 1: ours at least as fast)`);
  console.log(`medians of ${ROUNDS} rounds, each measuring pydicom and ours back to back; ratio: median of the rounds' ratios (lowest-highest)`);
  console.log('| transfer syntax | files (frames) | ours, pool | ours, 1 thread | pydicom pixel_array | ratio | pydicom + modality LUT + range (palette: RGB) | ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const note = r.pydicomSeconds === null ? ' (pydicom cannot decode these)' : r.files < r.filesWeDecode ? ` (of our ${r.filesWeDecode})` : '';
    console.log(
      `| ${r.group} | ${r.files} (${r.frames})${note} | ${ms(r.oursSeconds)} | ${ms(r.oursOneThreadSeconds)} | ${ms(r.pydicomSeconds)} | ${x(r.speedup)}${r.speedupRange ? ` (${x(r.speedupRange[0]!)}–${x(r.speedupRange[1]!)})` : ''} | ${ms(r.pydicomModalitySeconds)} | ${x(r.speedupOverModality)} |`,
    );
  }
  const report = {
    bench: 'dicom-decode',
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version },
    method:
      `wall time for all files of a transfer syntax, each read from disk and every frame decoded to an array; ours: DicomDecodePool.frame for every frame of every file at once, on one worker thread a core (modality values in the most compact exact type, range, presets); also on one thread in-process; pydicom: dcmread + pixel_array one file after another, and again with apply_modality_lut + min + max (palette colour: apply_color_lut); only files both decode; median pass of passes repeated for at least 1 s; per group, ${ROUNDS} rounds of pydicom then ours back to back, medians over rounds, ratio = median of the rounds' ratios`,
    pool: { threads },
    rounds: ROUNDS,
    pydicom: spawnSync(PYTHON, ['-c', 'import pydicom, numpy; print(pydicom.__version__, numpy.__version__)'], { encoding: 'utf8' }).stdout.trim(),
    rows,
  };
  mkdirSync(path.dirname(args.out!), { recursive: true });
  writeFileSync(args.out!, `${JSON.stringify(report, null, 2)}\n`);
}

await main();
