import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/** Column totals of a [rows, width] block, in double precision, four rows per pass. */
function sumRows(source: Float32Array, rows: number, width: number): Float64Array {
  const total = new Float64Array(width);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * width;
    const b1 = b0 + width;
    const b2 = b1 + width;
    const b3 = b2 + width;
    for (let c = 0; c < width; c++) total[c]! += source[b0 + c]! + source[b1 + c]! + (source[b2 + c]! + source[b3 + c]!);
  }
  for (; r < rows; r++) {
    const base = r * width;
    for (let c = 0; c < width; c++) total[c]! += source[base + c]!;
  }
  return total;
}

/**
 * Sum and Mean over the leading axes (bias and batch-norm gradients and batch statistics:
 * [N,H,W,C] down to [C]); the stock kernels first transpose the whole tensor so the reduced axes
 * come last. With two or more leading axes, XNNPACK's average pooling reduces all but the first
 * (the tensor viewed as [R1, R2, 1, C], pooled over its R2 x 1 window: about 3x faster than a
 * JavaScript pass), and the R1 rows left are summed in double precision. (An XNNPACK product with
 * a row of ones was tried: slower, since it packs the whole tensor as weights.) Other reductions
 * keep the stock kernels.
 */
function leadingReductionConfig(stock: StockKernels, kernelName: typeof tf.Sum | typeof tf.Mean): tf.KernelConfig {
  stock.capture(tf.AvgPool);
  return stock.replacement(kernelName, (args, original) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return original(args);
    const kept = x.shape.slice(axes.length);
    const width = tf.util.sizeFromShape(kept);
    const rows = tf.util.sizeFromShape(x.shape) / width;
    try {
      const first = x.shape[0]!;
      const window = rows / first;
      const pooled =
        axes.length >= 2 && window > 1
          ? stock.run(tf.AvgPool, { x: stock.reshape(x, [first, window, 1, width]) }, { filterSize: [window, 1], strides: [1, 1], pad: 'valid' })
          : null;
      const out = stock.backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
      // Views are taken after the allocations above, which may grow (and move) the heap.
      const source = stock.backend.typedArrayFromHeap(pooled ?? x) as Float32Array;
      const target = stock.backend.typedArrayFromHeap(out) as Float32Array;
      const total = sumRows(source, pooled ? first : rows, width);
      const scale = (pooled ? window : 1) / (kernelName === tf.Mean ? rows : 1);
      for (let c = 0; c < width; c++) target[c] = total[c]! * scale;
      return out;
    } finally {
      stock.dispose();
    }
  });
}

export const sumConfig = (stock: StockKernels) => leadingReductionConfig(stock, tf.Sum);
export const meanConfig = (stock: StockKernels) => leadingReductionConfig(stock, tf.Mean);
