import { tf } from '../tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Attrs = Record<string, unknown>;
type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/**
 * Calls the wasm backend's own kernels from inside our kernels. The stock configs are captured
 * before we replace any, so an override can still fall back to the kernel it replaced.
 * Every intermediate goes through `run` and is freed by `dispose`, so a kernel leaks nothing.
 */
export class StockKernels {
  private readonly stock = new Map<string, tf.KernelConfig>();
  private readonly scratch: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  capture(kernelName: string): tf.KernelConfig {
    let config = this.stock.get(kernelName);
    if (!config) {
      config = tf.getKernel(kernelName, 'wasm');
      if (!config) throw new Error(`The wasm backend has no ${kernelName} kernel.`);
      this.stock.set(kernelName, config);
    }
    return config;
  }

  /**
   * The config of a kernel that takes a stock kernel's place. It keeps the stock kernel's
   * setupFunc (where the wasm backend binds its C function, which the stock kernel needs when it
   * is called back) and hands `kernelFunc` the stock kernel for the cases it leaves alone.
   */
  replacement(kernelName: string, kernelFunc: (args: KernelArgs, stockKernel: tf.KernelFunc) => KernelResult): tf.KernelConfig {
    const original = this.capture(kernelName);
    return { kernelName, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: (args) => kernelFunc(args, original.kernelFunc) };
  }

  /** Runs a stock kernel; its output is an intermediate, freed by `dispose`, unless `keep` is set. */
  run(kernelName: string, inputs: Record<string, tf.TensorInfo>, attrs: Attrs = {}, keep = false): tf.TensorInfo {
    const config = this.capture(kernelName);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    if (!keep) this.scratch.push(out);
    return out;
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  dispose(): void {
    for (const info of this.scratch.splice(0)) this.backend.disposeData(info.dataId);
  }
}
