import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * The filter gradient as one large wasm (XNNPACK) convolution: with the batch moved into the
 * channel axis, dW[fh,fw,ci,co] = sum over n,oh,ow of x[n, oh*s+fh, ow*s+fw, ci] * dy[n,oh,ow,co]
 * is a stride-1 convolution of x (as [Ci,H,W,N]) by dy (as [OH,OW,N,Co]) dilated by the forward
 * stride. Stock tfjs-backend-wasm has no Conv2DBackpropFilter at all (tfjs issue #8474).
 */
export function conv2dBackpropFilterConfig(stock: StockKernels): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (dataFormat !== 'NHWC') throw new Error('The wasm filter gradient supports only NHWC data.');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
      try {
        // [N,H,W,Ci] -> [Ci,H,W,N] in two steps, a plain 2-D transpose and a swap of the outer
        // axes that moves whole rows of N: about 3x faster than the 4-D transpose on the wasm kernel.
        const [n, h, w, ci] = x.shape as [number, number, number, number];
        const flipped = stock.transpose(stock.reshape(x, [n, h * w * ci]), [1, 0]);
        const xT = stock.reshape(stock.transpose(stock.reshape(flipped, [h * w, ci, n]), [1, 0, 2]), [ci, h, w, n]);
        const dyT = stock.transpose(dy, [1, 2, 0, 3]);
        const full = stock.run(
          tf.Conv2D,
          { x: xT, filter: dyT },
          {
            strides: [1, 1],
            pad: [[0, 0], [padInfo.top, padInfo.bottom], [padInfo.left, padInfo.right], [0, 0]],
            dataFormat: 'NHWC',
            dilations: [sh, sw],
          },
        );
        // With leftover rows or columns (valid padding, stride > 1) the convolution is larger than the filter.
        const [, oh, ow] = full.shape as number[];
        const cropped =
          oh === fh && ow === fw
            ? full
            : stock.run(tf.Slice, { x: full }, { begin: [0, 0, 0, 0], size: [-1, fh, fw, -1] });
        return stock.run(tf.Transpose, { x: cropped }, { perm: [1, 2, 0, 3] }, true);
      } finally {
        stock.dispose();
      }
    },
  };
}
