import { tf } from '../tfjs';

/**
 * The Mean gradient (every batch-norm layer's batch statistics go through two Means) without
 * tfjs's full-size `ones(x.shape)`, which is filled in JavaScript and copied into the backend on
 * every step, and a full-size multiply by it: dy / n is broadcast onto zeros instead. The values
 * are the same as tfjs's (dy * 1 / n); registered for all backends.
 */
export const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const dyTensor = Array.isArray(dy) ? dy[0]! : dy;
    const [x] = saved as [tf.Tensor];
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((size, a) => size * x.shape[a]!, 1);
    return {
      x: () => {
        const expandedShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const share = tf.div(tf.reshape(dyTensor, expandedShape), tf.scalar(reduceSize));
        return tf.add(tf.zerosLike(x), share);
      },
    };
  },
};
