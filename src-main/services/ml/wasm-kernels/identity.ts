import { tf } from '../tfjs';
import type { StockKernels } from './stock-kernels';

/**
 * Identity without a copy: the output shares the input's buffer (reference counted, as the cpu
 * and webgl backends do). Training calls it about 240 times a step, many on full activations.
 */
export function identityConfig(stock: StockKernels): tf.KernelConfig {
  return stock.replacement(tf.Identity, (args, original) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return original(args);
    stock.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  });
}

/** Cast to the dtype a tensor already has (Keras layers do it on every activation): no copy either. */
export function sameDtypeCastConfig(stock: StockKernels): tf.KernelConfig {
  return stock.replacement(tf.Cast, (args, original) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (x.dtype !== dtype || dtype === 'string' || dtype === 'complex64') return original(args);
    stock.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  });
}
