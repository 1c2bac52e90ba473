import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * wasm uses XNNPACK for a matrix product only when neither operand is transposed; otherwise it
 * runs a slow loop (128 ms against 4 ms for a Dense gradient). Transposing explicitly first is
 * far cheaper, and every Dense layer's gradient needs a transposed product.
 */
function swapPerm(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

export function batchMatMulConfig(stock: StockKernels): tf.KernelConfig {
  return stock.replacement(tf.BatchMatMul, (args, original) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original(args);
    try {
      const swapLast = (t: tf.TensorInfo) => stock.transpose(t, swapPerm(t.shape.length));
      // a·bᵀ = (b·aᵀ)ᵀ: with a small a and a large b (dy·Wᵀ, the Dense input gradient, is
      // [64,512]·[2048,512]ᵀ) transposing a and the result costs far less than transposing b and
      // packing it as XNNPACK weights.
      const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
      const size = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape);
      const outSize = (size(a) / a.shape[a.shape.length - 1]!) * b.shape[b.shape.length - 2]!;
      if (transposeB && !transposeA && sameBatch && 2 * size(a) + outSize < 2 * size(b)) {
        const product = stock.run(tf.BatchMatMul, { a: b, b: swapLast(a) }, { transposeA: false, transposeB: false });
        return stock.run(tf.Transpose, { x: product }, { perm: swapPerm(product.shape.length) }, true);
      }
      return stock.run(
        tf.BatchMatMul,
        { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b },
        { transposeA: false, transposeB: false },
        true,
      );
    } finally {
      stock.dispose();
    }
  });
}
