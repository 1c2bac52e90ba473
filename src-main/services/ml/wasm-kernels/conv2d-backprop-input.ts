import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * The input gradient at stride 1 as a forward wasm convolution of dy by the filter reversed in
 * both spatial axes with its channel axes swapped; the stock kernel is a plain loop. Other
 * strides keep the stock kernel (they would need a dilated input, which XNNPACK's convolution
 * does not take).
 */
export function conv2dBackpropInputConfig(stock: StockKernels): tf.KernelConfig {
  return stock.replacement(tf.Conv2DBackpropInput, (args, original) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth, padInfo } = info;
    const top = fh - 1 - padInfo.top;
    const bottom = fh - 1 - padInfo.bottom;
    const left = fw - 1 - padInfo.left;
    const right = fw - 1 - padInfo.right;
    // The correlation below must reproduce exactly the input's height and width.
    const fits = dy.shape[1]! + top + bottom - fh + 1 === inputShape[1] && dy.shape[2]! + left + right - fw + 1 === inputShape[2];
    if (dataFormat !== 'NHWC' || strideHeight !== 1 || strideWidth !== 1 || Math.min(top, bottom, left, right) < 0 || !fits) {
      return original(args);
    }
    try {
      const reversed = stock.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
      const swapped = stock.transpose(reversed, [0, 1, 3, 2]);
      return stock.run(
        tf.Conv2D,
        { x: dy, filter: swapped },
        { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
        true,
      );
    } finally {
      stock.dispose();
    }
  });
}
