import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadWasmBackend, tf } from '../tfjs';
import { BACKEND_NAMES, type BackendReport } from '@shared/ipc/contract';
import { registerWasmTrainingKernels } from '../wasm-kernels/register';
import { startThreadedWasm } from './wasm-threads';
import { probeWebGpu, type ProbeResult } from './webgpu-probe';

/** Best first. */
export const BACKEND_CHOICES = BACKEND_NAMES;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

type Attempt = { ok: true; device: string } | { ok: false; reason: string };

const localRequire = createRequire(import.meta.url);

function packageDir(name: string): string | null {
  try {
    return path.dirname(localRequire.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * tfjs-node registers its kernels as soon as it is imported and only then loads its native
 * binding, so importing it where the binding is missing leaves half a backend behind. Look for
 * the binding file first; import only when it is there.
 */
function nativeBindingOf(name: string): string | null {
  const dir = packageDir(name);
  if (!dir) return null;
  const lib = path.join(dir, 'lib');
  if (!existsSync(lib)) return null;
  for (const sub of readdirSync(lib)) {
    const candidate = path.join(lib, sub, 'tfjs_binding.node');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

async function tryTfjsNode(name: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<Attempt> {
  if (!packageDir(name)) return { ok: false, reason: `${name} is not installed (it is optional; its install fails where libtensorflow cannot be downloaded)` };
  if (!nativeBindingOf(name)) return { ok: false, reason: `${name} is installed without its native binding (libtensorflow was not downloaded)` };
  try {
    await import(name);
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: `${name} loaded but its backend did not initialise` };
    return { ok: true, device: name.endsWith('-gpu') ? 'CUDA GPU through libtensorflow' : 'CPU through native libtensorflow' };
  } catch (error) {
    return { ok: false, reason: `${name} failed to load: ${messageOf(error)}` };
  }
}

/**
 * Once per thread that loads this module (each compute worker is one): the answer does not change
 * while the app runs, and a probe costs about 0.1 s beside a worker's start.
 */
let webGpuProbe: Promise<ProbeResult> | null = null;

async function tryWebGpu(): Promise<Attempt> {
  const probe = await (webGpuProbe ??= probeWebGpu());
  if (!probe.ok) return { ok: false, reason: probe.reason };
  const info = probe.adapter;
  if (!info) return { ok: false, reason: 'no hardware GPU adapter (Vulkan, D3D12 or Metal) was found' };
  const described = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  // A software rasteriser trains about 9x slower than wasm here: not a GPU worth using.
  if (info.architecture === 'software' || info.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe/i.test(described)) {
    return { ok: false, reason: `only a software adapter (${described || 'unnamed'}) was found, which is slower than wasm` };
  }
  try {
    // The probe found a real GPU with Dawn in a child process: now it is safe to load here.
    const webgpu = (await import('webgpu')) as unknown as { create(options: string[]): GPU; globals: object };
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'the WebGPU backend did not initialise' };
    return { ok: true, device: `GPU ${described}` };
  } catch (error) {
    return { ok: false, reason: `the WebGPU backend failed: ${messageOf(error)}` };
  }
}

/** Threads for the wasm backend: every logical core up to 8 (its pool's size), or CXR_WASM_THREADS. */
export function wasmThreadCount(): number {
  const asked = Number(process.env.CXR_WASM_THREADS);
  const wanted = Number.isInteger(asked) && asked > 0 ? asked : os.availableParallelism();
  return Math.max(1, Math.min(8, wanted));
}

async function tryWasm(): Promise<Attempt> {
  try {
    loadWasmBackend();
    const factory = tf.findBackendFactory('wasm');
    const threads = wasmThreadCount();
    let running = 1;
    let threadsNote = '';
    if (threads > 1) {
      try {
        running = await startThreadedWasm(threads);
      } catch (error) {
        // Start again on the single-threaded build, and say why.
        threadsNote = `; threads unavailable: ${messageOf(error)}`;
        tf.removeBackend('wasm');
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        tf.registerBackend('wasm', factory);
      }
    }
    if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) return { ok: false, reason: 'the wasm backend did not initialise' };
    registerWasmTrainingKernels();
    const threadText = running > 1 ? `${running} threads` : 'one thread';
    return { ok: true, device: `CPU, WebAssembly SIMD (${threadText})${threadsNote}` };
  } catch (error) {
    return { ok: false, reason: `the wasm backend failed: ${messageOf(error)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  await tf.setBackend('cpu');
  return { ok: true, device: 'CPU, plain JavaScript (slow)' };
}

const ATTEMPTS: Record<BackendChoice, () => Promise<Attempt>> = {
  'tfjs-node-gpu': () => tryTfjsNode('@tensorflow/tfjs-node-gpu'),
  'tfjs-node': () => tryTfjsNode('@tensorflow/tfjs-node'),
  webgpu: tryWebGpu,
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Picks the best backend that works here, best first, or the user's choice when given (falling
 * back to the automatic order, with the reason, when that choice is unavailable).
 */
export async function selectBackend(preferred?: BackendChoice): Promise<BackendReport> {
  const skipped: BackendReport['skipped'] = [];
  const order = preferred ? [preferred, ...BACKEND_CHOICES.filter((b) => b !== preferred)] : [...BACKEND_CHOICES];
  for (const backend of order) {
    const attempt = await ATTEMPTS[backend]();
    if (attempt.ok) return { backend, device: attempt.device, skipped };
    skipped.push({ backend, reason: attempt.reason });
  }
  throw new Error('No TensorFlow.js backend could start.');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error);
}
