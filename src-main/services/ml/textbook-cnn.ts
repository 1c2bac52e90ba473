import { tf } from './tfjs';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const L2 = 1e-4;

function conv(filters: number, inputShape?: [number, number, number]): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelRegularizer: tf.regularizers.l2({ l2: L2 }),
    ...(inputShape ? { inputShape } : {}),
  });
}

/**
 * The textbook's CIFAR-10 CNN, layer for layer: three convolutional blocks with batch
 * normalisation, max pooling and dropout, then a 512-unit dense layer. Compiled with Adam and
 * categorical cross-entropy as in the book.
 */
export function buildTextbookCnn(learningRate = 1e-3): tf.LayersModel {
  const model = tf.sequential({ name: 'textbook_cifar10_cnn' });
  model.add(conv(32, [32, 32, 3]));
  model.add(tf.layers.batchNormalization());
  model.add(conv(32));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.dropout({ rate: 0.25 }));

  model.add(conv(64));
  model.add(tf.layers.batchNormalization());
  model.add(conv(64));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.dropout({ rate: 0.25 }));

  model.add(conv(128));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.dropout({ rate: 0.25 }));

  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 512, activation: 'relu', kernelRegularizer: tf.regularizers.l2({ l2: L2 }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  compileTextbookCnn(model, learningRate);
  return model;
}

export function compileTextbookCnn(model: tf.LayersModel, learningRate: number): void {
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
}
