import { tf } from '../tfjs';

/**
 * The FusedBatchNorm gradient with broadcasting where tfjs builds a full-size Tile of the scale
 * for every step (160 ms of a 570 ms step on wasm). Gradients are registered for all backends;
 * this one computes the same values everywhere.
 */
export const batchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const dyTensor = Array.isArray(dy) ? dy[0]! : dy;
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const scaleValue = scale ?? tf.scalar(1);
    const axes = mean.rank === 1 ? x.shape.map((_, i) => i).slice(0, -1) : [];
    const reduce = (t: tf.Tensor) => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    // Per-channel factors first ([C] or scalars), so each closure makes at most two full-size
    // tensors: 5 full-size ops per layer instead of 8 (tfjs calls a closure only for the inputs
    // that need a gradient, each in its own tidy, so nothing is shared between closures).
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const gain = tf.mul(scaleValue, rstd);
    const dyTimesXMinusMean = () => tf.mul(dyTensor, tf.sub(x, mean));
    return {
      x: () => tf.mul(dyTensor, gain),
      mean: () => tf.mul(reduce(dyTensor), tf.neg(gain)),
      variance: () => tf.mul(reduce(dyTimesXMinusMean()), tf.mul(tf.mul(gain, tf.square(rstd)), tf.scalar(-0.5))),
      scale: () => tf.mul(reduce(dyTimesXMinusMean()), rstd),
      offset: () => reduce(dyTensor),
    };
  },
};
