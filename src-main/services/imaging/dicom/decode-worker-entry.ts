import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The worker script: beside the bundle when built (`dicom-worker.js`), the TypeScript source
 * (run through tsx) under tests, the CLI and benchmarks.
 */
export function workerEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // Worker threads do not inherit tsx's loader; a small ES module bootstrap loads the source through tsx's API.
    const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
    const exports = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
    const tsx = pathToFileURL(path.join(path.dirname(tsxPackage), exports['./esm/api']!.import.default)).href;
    const source = pathToFileURL(path.join(path.dirname(here), 'decode-worker.ts')).href;
    const code = `import { tsImport } from ${JSON.stringify(tsx)}; await tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)});`;
    return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
  }
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const file = path.join(dir, 'dicom-worker.js');
    if (existsSync(file)) return pathToFileURL(file);
  }
  throw new Error('dicom-worker.js is missing from the build');
}
