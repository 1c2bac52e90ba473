import * as tf from '@tensorflow/tfjs';
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
        const xT = stock.transpose(x, [3, 1, 2, 0]);
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
