import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export type ProbeResult = { ok: true; adapter: AdapterInfo | null } | { ok: false; reason: string };

const PROBE_TIMEOUT_MS = 20_000;

/**
 * Asks Dawn (the `webgpu` package) for an adapter in a child process. On a machine without a
 * usable GPU Dawn can abort the whole process from a native callback (seen here: "FATAL ERROR:
 * Error::ThrowAsJavaScriptException napi_throw" after Vulkan fails to initialise), which no
 * try/catch survives, so the app only loads Dawn in-process once a child has found a GPU with it.
 */
export async function probeWebGpu(moduleUrl = webgpuModuleUrl()): Promise<ProbeResult> {
  if (!moduleUrl) return { ok: false, reason: 'the webgpu package (Dawn) is not installed' };
  const script = `
    const webgpu = await import(${JSON.stringify(moduleUrl)});
    Object.assign(globalThis, webgpu.globals);
    const adapter = await webgpu.create([]).requestAdapter({ powerPreference: 'high-performance' });
    const info = adapter?.info;
    process.stdout.write('\\nCXR_ADAPTER=' + JSON.stringify(adapter ? { vendor: info.vendor, architecture: info.architecture, device: info.device,
      description: info.description, isFallbackAdapter: Boolean(adapter.isFallbackAdapter) } : null) + '\\n', () => process.exit(0));`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      // In Electron, execPath is the app itself: make it behave as plain Node for the probe.
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 1 << 20 },
      (error, stdout) => {
        const line = /^CXR_ADAPTER=(.*)$/m.exec(stdout);
        if (line) return resolve({ ok: true, adapter: JSON.parse(line[1]!) as AdapterInfo | null });
        const child = error as (Error & { signal?: string | null; code?: number | string | null; killed?: boolean }) | null;
        const how = child?.killed ? `did not answer in ${PROBE_TIMEOUT_MS / 1000} s` : child?.signal ? `crashed (${child.signal})` : `failed (exit ${child?.code ?? 'unknown'})`;
        resolve({ ok: false, reason: `asking Dawn for a GPU ${how}` });
      },
    );
  });
}

function webgpuModuleUrl(): string | null {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return null;
  }
}
