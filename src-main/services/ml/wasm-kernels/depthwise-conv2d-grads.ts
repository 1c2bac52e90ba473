import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * The depthwise convolution's two gradients, which stock tfjs-backend-wasm lacks (MobileNetV2
 * fine-tuning needs them). Both are rewritten as forward wasm (XNNPACK) depthwise convolutions,
 * so they cost about what the forward pass costs.
 */

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function depthwiseInfo(xShape: readonly number[], filterShape: readonly number[], attrs: tf.DepthwiseConv2dNativeBackpropInputAttrs | tf.DepthwiseConv2dNativeBackpropFilterAttrs): ConvInfo {
  const { strides, pad, dimRoundingMode, dilations } = attrs;
  const dilationList = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dilationList && (dilationList[0] !== 1 || dilationList[1] !== 1)) throw new Error('The wasm depthwise gradients support dilation 1 only.');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
}

/** dx = a stride-1 depthwise correlation of dy (zeros inserted between rows and columns for stride > 1) with the filter reversed. */
export function depthwiseConv2dBackpropInputConfig(stock: StockKernels): tf.KernelConfig {
  for (const name of [tf.DepthwiseConv2dNative, tf.Reshape, tf.PadV2, tf.Slice, tf.Reverse, tf.Sum]) stock.capture(name);
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const typed = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      const inputShape = typed.inputShape;
      const info = depthwiseInfo(inputShape, filter.shape, typed);
      const [n, oh, ow, k] = dy.shape as [number, number, number, number];
      const [fh, fw, c, m] = filter.shape as [number, number, number, number];
      const { strideHeight: sh, strideWidth: sw, padInfo } = info;
      try {
        let spread = dy;
        if (sh > 1 || sw > 1) {
          // [N,OH,OW,K] -> [N,OH,1,OW,1,K] -> pad to [N,OH,sh,OW,sw,K] -> [N,OH*sh,OW*sw,K] -> drop the trailing zeros.
          const six = stock.reshape(dy, [n, oh, 1, ow, 1, k]);
          const padded = stock.run(tf.PadV2, { x: six }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
          const flat = stock.reshape(padded, [n, oh * sh, ow * sw, k]);
          spread = stock.run(tf.Slice, { x: flat }, { begin: [0, 0, 0, 0], size: [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, k] });
        }
        const top = fh - 1 - padInfo.top;
        const left = fw - 1 - padInfo.left;
        const bottom = inputShape[1] - spread.shape[1]! - top + fh - 1;
        const right = inputShape[2] - spread.shape[2]! - left + fw - 1;
        const reversed = stock.reshape(stock.run(tf.Reverse, { x: filter }, { dims: [0, 1] }), [fh, fw, c * m, 1]);
        const full = stock.run(
          tf.DepthwiseConv2dNative,
          { x: spread, filter: reversed },
          { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
          m === 1,
        );
        if (m === 1) return full;
        const split = stock.reshape(full, [...inputShape, m]);
        return stock.run(tf.Sum, { x: split }, { axis: [4], keepDims: false }, true);
      } finally {
        stock.dispose();
      }
    },
  };
}

/**
 * dW[fh,fw,c,m] = sum over n,oh,ow of x[n, oh*s+fh, ow*s+fw, c] * dy[n,oh,ow,c*M+m]: with the
 * batch folded into the channels, one depthwise convolution of x (as [1,H,W,N*K]) by dy
 * (as [OH,OW,N*K,1]) dilated by the stride, then a sum over the batch.
 */
export function depthwiseConv2dBackpropFilterConfig(stock: StockKernels): tf.KernelConfig {
  for (const name of [tf.DepthwiseConv2dNative, tf.Reshape, tf.Transpose, tf.Tile, tf.Slice, tf.Sum]) stock.capture(name);
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const typed = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      const filterShape = typed.filterShape;
      const info = depthwiseInfo(x.shape, filterShape, typed);
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const [oh, ow] = dy.shape.slice(1, 3) as [number, number];
      const [fh, fw, , m] = filterShape;
      const k = c * m;
      const { strideHeight: sh, strideWidth: sw, padInfo } = info;
      try {
        // With a channel multiplier, channel c*M+m of dy pairs with channel c of x: repeat x M times.
        const repeated = m === 1 ? x : stock.reshape(stock.run(tf.Tile, { x: stock.reshape(x, [n, h, w, c, 1]) }, { reps: [1, 1, 1, 1, m] }), [n, h, w, k]);
        const xFolded = stock.reshape(stock.transpose(repeated, [1, 2, 0, 3]), [1, h, w, n * k]);
        const dyFolded = stock.reshape(stock.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * k, 1]);
        const full = stock.run(
          tf.DepthwiseConv2dNative,
          { x: xFolded, filter: dyFolded },
          { strides: [1, 1], pad: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]], dataFormat: 'NHWC', dilations: [sh, sw] },
        );
        // With leftover rows or columns (valid padding, stride > 1) the result is larger than the filter.
        const [, rh, rw] = full.shape as number[];
        const cropped = rh === fh && rw === fw ? full : stock.run(tf.Slice, { x: full }, { begin: [0, 0, 0, 0], size: [1, fh, fw, n * k] });
        const perImage = stock.reshape(cropped, [fh, fw, n, k]);
        const summed = stock.run(tf.Sum, { x: perImage }, { axis: [2], keepDims: false });
        return stock.run(tf.Reshape, { x: summed }, { shape: [fh, fw, c, m] }, true);
      } finally {
        stock.dispose();
      }
    },
  };
}
