import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * The max-pool gradient as one pass over the wasm heap: each output's gradient goes to the first
 * maximum of its window, the same tie rule as the cpu backend (a ReLU before the pool makes ties
 * of zeros common, so the rule matters for agreeing with cpu).
 */
export function maxPoolGradConfig(stock: StockKernels): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number],
        filterSize,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
      const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
      const out = stock.backend.makeOutput(input.shape.slice(), 'float32');
      const x = stock.backend.typedArrayFromHeap(input) as Float32Array;
      const g = stock.backend.typedArrayFromHeap(dy) as Float32Array;
      const dx = stock.backend.typedArrayFromHeap(out) as Float32Array;
      const rowStride = inWidth * channels;
      const tiled = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && padInfo.top === 0 && padInfo.left === 0;
      if (tiled) {
        // Non-overlapping 2x2 windows (every pool in our CNNs): every input gets its value
        // without branches, which the data (about half zeros after a ReLU) would mispredict.
        if (inHeight !== 2 * outHeight || inWidth !== 2 * outWidth) dx.fill(0);
        for (let b = 0; b < batchSize; b++) {
          for (let oy = 0; oy < outHeight; oy++) {
            for (let ox = 0; ox < outWidth; ox++) {
              const i0 = ((b * inHeight + 2 * oy) * inWidth + 2 * ox) * channels;
              const i2 = i0 + rowStride;
              const gBase = ((b * outHeight + oy) * outWidth + ox) * channels;
              for (let c = 0; c < channels; c++) {
                const v0 = x[i0 + c]!;
                const v1 = x[i0 + channels + c]!;
                const v2 = x[i2 + c]!;
                const v3 = x[i2 + channels + c]!;
                const grad = g[gBase + c]!;
                // The first maximum in row-major window order takes the gradient, as on cpu.
                const first = +(v0 > -Infinity) & +(v0 >= v1) & +(v0 >= v2) & +(v0 >= v3);
                const second = +(v1 > v0) & +(v1 >= v2) & +(v1 >= v3);
                const third = +(v2 > v0) & +(v2 > v1) & +(v2 >= v3);
                const fourth = +(v3 > v0) & +(v3 > v1) & +(v3 > v2);
                dx[i0 + c] = first * grad;
                dx[i0 + channels + c] = second * grad;
                dx[i2 + c] = third * grad;
                dx[i2 + channels + c] = fourth * grad;
              }
            }
          }
        }
        return out;
      }
      dx.fill(0);
      for (let b = 0; b < batchSize; b++) {
        const xBatch = b * inHeight * rowStride;
        for (let oy = 0; oy < outHeight; oy++) {
          const y0 = oy * strideHeight - padInfo.top;
          const yStart = Math.max(0, y0);
          const yEnd = Math.min(inHeight, y0 + filterHeight);
          for (let ox = 0; ox < outWidth; ox++) {
            const x0 = ox * strideWidth - padInfo.left;
            const xStart = Math.max(0, x0);
            const xEnd = Math.min(inWidth, x0 + filterWidth);
            const gBase = ((b * outHeight + oy) * outWidth + ox) * channels;
            for (let c = 0; c < channels; c++) {
              let best = -Infinity;
              let at = -1;
              for (let yy = yStart; yy < yEnd; yy++) {
                for (let xx = xStart; xx < xEnd; xx++) {
                  const index = xBatch + yy * rowStride + xx * channels + c;
                  if (x[index]! > best) {
                    best = x[index]!;
                    at = index;
                  }
                }
              }
              if (at >= 0) dx[at]! += g[gBase + c]!;
            }
          }
        }
      }
      return out;
    },
  };
}
