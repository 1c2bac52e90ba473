/**
 * Decode throughput over the DICOM corpus by transfer syntax: ours (dicom-parser + wasm codecs,
 * in this process) against pydicom + numpy, measured in the same run on the same files.
 *   npm run bench:dicom
 * The peer needs Debian's python3-pydicom and python3-numpy (apt-get install -y python3-pydicom python3-numpy).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeDicomFrame } from '../src-main/services/imaging/dicom/dicom-image';
import { parseDicom } from '../src-main/services/imaging/dicom/dicom-parse';
import { transferSyntax } from '../src-main/services/imaging/dicom/transfer-syntaxes';

const DATA = path.resolve(process.env.CXR_SHARED_DATA ?? path.join(import.meta.dirname, '../../shared/data'), 'dicom');
const REPEAT_SECONDS = 0.2;
const PYTHON = '/usr/bin/python3';

interface Row { images: number; seconds: number; bytes: number }
const ours = new Map<string, Row>();
const peer = new Map<string, Row>();
const decodable: { file: string; syntax: string; bytes: number }[] = [];

const files = readFileSync(path.join(DATA, 'index.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]!);
for (const relative of files) {
  const file = path.join(DATA, relative);
  const bytes = readFileSync(file);
  let syntax: string;
  try {
    const parsed = parseDicom(bytes);
    if (!parsed?.dataSet.elements.x7fe00010 && !parsed?.dataSet.elements.x7fe00008) continue;
    syntax = transferSyntax(parsed.transferSyntaxUid)?.name ?? parsed.transferSyntaxUid;
    if (!parsed.hasFileMeta) syntax += ' (no file meta)';
    await decodeDicomFrame(bytes, 0);
  } catch {
    continue;
  }
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < REPEAT_SECONDS * 1000) {
    await decodeDicomFrame(bytes, 0);
    runs += 1;
    elapsed = performance.now() - start;
  }
  const row = ours.get(syntax) ?? { images: 0, seconds: 0, bytes: 0 };
  row.images += 1;
  row.seconds += elapsed / 1000 / runs;
  row.bytes += statSync(file).size;
  ours.set(syntax, row);
  decodable.push({ file, syntax, bytes: statSync(file).size });
}

const probe = spawnSync(PYTHON, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' });
const peerAvailable = probe.status === 0;
if (peerAvailable) {
  const result = spawnSync(PYTHON, [path.join(import.meta.dirname, 'pydicom-peer.py')], {
    input: decodable.map((d) => d.file).join('\n'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of result.stdout.trim().split('\n')) {
    const entry = JSON.parse(line) as { file: string; ok: boolean; seconds?: number };
    const source = decodable.find((d) => d.file === entry.file)!;
    if (!entry.ok) continue;
    const row = peer.get(source.syntax) ?? { images: 0, seconds: 0, bytes: 0 };
    row.images += 1;
    row.seconds += entry.seconds!;
    row.bytes += source.bytes;
    peer.set(source.syntax, row);
  }
} else {
  console.log('pydicom peer missing: apt-get install -y python3-pydicom python3-numpy (then run again).\n');
}

const rate = (r: Row | undefined) => (r ? { ips: r.images / r.seconds, mbs: r.bytes / 2 ** 20 / r.seconds } : null);
console.log('| transfer syntax | files | ours img/s | ours MB/s | pydicom img/s | pydicom MB/s | ours / pydicom |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [syntax, row] of [...ours].sort((a, b) => a[0].localeCompare(b[0]))) {
  const a = rate(row)!;
  const p = peer.get(syntax);
  const b = rate(p);
  // Only files both decoded are compared; pydicom without plugins skips the compressed syntaxes.
  const same = p && p.images === row.images;
  console.log(
    `| ${syntax} | ${row.images} | ${a.ips.toFixed(1)} | ${a.mbs.toFixed(1)} | ${b ? b.ips.toFixed(1) : '—'} | ${b ? b.mbs.toFixed(1) : '—'} | ${b && same ? (a.ips / b.ips).toFixed(2) : b ? `(${p!.images} of ${row.images} files)` : '—'} |`,
  );
}
