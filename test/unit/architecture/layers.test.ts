import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const NODE_BUILTINS = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir))) {
    const relative = path.join(dir, name);
    if (statSync(path.join(root, relative)).isDirectory()) out.push(...sourceFiles(relative));
    else if (/\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts')) out.push(relative);
  }
  return out;
}

function importsOf(file: string): string[] {
  let text = readFileSync(path.join(root, file), 'utf8');
  if (file.endsWith('.svelte')) text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function isNode(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0]!);
}

function violations(dir: string, forbidden: (specifier: string, file: string) => string | null): string[] {
  return sourceFiles(dir).flatMap((file) =>
    importsOf(file).flatMap((specifier) => {
      const why = forbidden(specifier, file);
      return why ? [`${file} imports "${specifier}": ${why}`] : [];
    }),
  );
}

function resolvesInto(file: string, specifier: string, dir: string): boolean {
  if (specifier.startsWith('@shared/')) return dir === 'src-shared';
  if (!specifier.startsWith('.')) return false;
  return path.resolve(root, path.dirname(file), specifier).startsWith(path.join(root, dir) + path.sep);
}

describe('layers (DESIGN.md)', () => {
  it('src-shared is pure TypeScript: no Node, DOM-only, Electron or package imports but the schema library', () => {
    expect(
      violations('src-shared', (s, file) =>
        isNode(s) || s === 'electron'
          ? 'shared code must run everywhere'
          : !s.startsWith('.') && s !== 'zod'
            ? 'only zod is allowed from packages'
            : resolvesInto(file, s, 'src-main') || resolvesInto(file, s, 'src-renderer')
              ? 'shared code cannot depend on a process'
              : null,
      ),
    ).toEqual([]);
  });

  it('src-main/services never imports electron, the adapters or the renderer', () => {
    expect(
      violations('src-main/services', (s, file) =>
        s === 'electron' || s.startsWith('electron/')
          ? 'services are plain Node'
          : resolvesInto(file, s, 'src-main/electron') || resolvesInto(file, s, 'src-main/host') || resolvesInto(file, s, 'src-renderer')
            ? 'services cannot depend on an adapter or the UI'
            : null,
      ),
    ).toEqual([]);
  });

  it('the renderer imports only the contract, svelte and its own browser code', () => {
    expect(
      violations('src-renderer', (s, file) => {
        if (s.startsWith('@shared/')) return null;
        if (s.startsWith('.')) return resolvesInto(file, s, 'src-renderer') ? null : 'reaches outside the renderer';
        if (s === 'svelte' || s.startsWith('svelte/')) return null;
        return 'the renderer talks only to window.api';
      }),
    ).toEqual([]);
  });

  it('the browser half of the host uses only the contract', () => {
    expect(violations('src-main/host/browser', (s) => (s.startsWith('@shared/') ? null : 'it runs in the browser'))).toEqual([]);
  });

  it('TensorFlow.js stays in the compute worker: main-thread code never loads it', () => {
    // The main-thread side of ML: the services, their repositories, the worker's client and protocol,
    // and the TensorFlow.js-free pneumonia data code the training preview runs on the main thread.
    const mainThread = new Set(
      [
        'training/training-service.ts',
        'training/training-run-repository.ts',
        'training/task-runs.ts',
        'training/seeded-random.ts',
        'runtime/compute-worker-client.ts',
        'runtime/self-test-in-worker.ts',
        'runtime/worker-protocol.ts',
        'runtime/live-runs.ts',
        'pneumonia-training/pneumonia-training-service.ts',
        'pneumonia-training/pneumonia-run-repository.ts',
        'pneumonia-training/labelled-study-samples.ts',
        'scoring/scoring-service.ts',
        'scoring/pending-images.ts',
        'scoring/scoring-worker.ts',
        'pneumonia/pneumonia-sample.ts',
        'pneumonia/dataset-split.ts',
        'pneumonia/kaggle-samples.ts',
        'pneumonia/pneumonia-data-error.ts',
      ].map(
        (f) => path.join('src-main/services/ml', f),
      ),
    );
    const workerSide = (file: string) => file.startsWith(path.join('src-main/services/ml') + path.sep) && !mainThread.has(file);
    expect(
      violations('src-main', (s, file) => {
        if (workerSide(file)) return null;
        if (s.startsWith('@tensorflow/')) return 'TensorFlow.js runs only in the compute worker';
        if (s.startsWith('.') && workerSide(path.relative(root, path.resolve(root, path.dirname(file), s)) + '.ts')) {
          return 'worker-side ML code would load TensorFlow.js on the main thread';
        }
        return null;
      }),
    ).toEqual([]);
  });

  it('finds a violation when there is one (the check itself works)', () => {
    expect(importsOf('src-main/electron/main.ts')).toContain('electron');
    expect(isNode('node:fs') && isNode('fs/promises') && !isNode('zod')).toBe(true);
  });
});
