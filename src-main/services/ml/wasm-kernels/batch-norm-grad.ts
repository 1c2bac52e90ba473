import * as tf from '@tensorflow/tfjs';

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
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(dyTensor, scaleValue);
    return {
      x: () => tf.mul(dyTimesScale, rstd),
      mean: () => reduce(tf.mul(tf.neg(rstd), dyTimesScale)),
      variance: () => reduce(tf.mul(tf.mul(tf.mul(tf.pow(rstd, tf.scalar(3)), tf.scalar(-0.5)), xMinusMean), dyTimesScale)),
      scale: () => reduce(tf.mul(dyTensor, tf.mul(xMinusMean, rstd))),
      offset: () => reduce(dyTensor),
    };
  },
};
