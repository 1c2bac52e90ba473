import * as tf from '@tensorflow/tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * wasm uses XNNPACK for a matrix product only when neither operand is transposed; otherwise it
 * runs a slow loop (128 ms against 4 ms for a Dense gradient). Transposing explicitly first is
 * far cheaper, and every Dense layer's gradient needs a transposed product.
 */
export function batchMatMulConfig(stock: StockKernels): tf.KernelConfig {
  const original = stock.capture(tf.BatchMatMul);
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      try {
        const swapLast = (t: tf.TensorInfo) => {
          const perm = t.shape.map((_, i) => i);
          const n = perm.length;
          [perm[n - 2], perm[n - 1]] = [perm[n - 1]!, perm[n - 2]!];
          return stock.transpose(t, perm);
        };
        return stock.run(
          tf.BatchMatMul,
          { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b },
          { transposeA: false, transposeB: false },
          true,
        );
      } finally {
        stock.dispose();
      }
    },
  };
}
