import { tf } from '../tfjs';

/**
 * The backbone as scoring runs it: each convolution with the batch normalisation and ReLU after it
 * folded in (one fused convolution with a bias and a ReLU/ReLU6), and zero padding that equals
 * "same" padding folded into the convolution after it. On MobileNetV2 at 224 this halves the
 * forward pass on wasm, where batch norm, clipping and padding otherwise cost as much as the
 * convolutions. Inference only: nothing here is trainable, and gradients (Grad-CAM) are taken on
 * its output, never through it.
 */
export interface InferenceBackbone {
  /** Image batch [N, H, W, 3] to the feature map, the same as featureModel.predict within float rounding. */
  apply(input: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

type Activation = 'linear' | 'relu' | 'relu6';

type Step =
  | { op: 'conv' | 'depthwise'; input: string; output: string; filter: tf.Tensor4D; bias: tf.Tensor1D | null; strides: [number, number]; pad: 'same' | 'valid'; activation: Activation }
  | { op: 'pad'; input: string; output: string; padding: [[number, number], [number, number]] }
  | { op: 'scale'; input: string; output: string; gain: tf.Tensor1D; shift: tf.Tensor1D }
  | { op: 'activation'; input: string; output: string; activation: Activation }
  | { op: 'add'; inputs: string[]; output: string }
  | { op: 'max-pool'; input: string; output: string; poolSize: [number, number]; strides: [number, number]; pad: 'same' | 'valid' };

type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;

const SUPPORTED = new Set(['InputLayer', 'ZeroPadding2D', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Activation', 'Add', 'MaxPooling2D']);

const consumersOf = (layer: Layer): Layer[] => layer.outboundNodes.map((node) => node.outboundLayer);
const producersOf = (layer: Layer): Layer[] => layer.inboundNodes[0]?.inboundLayers ?? [];
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** The activation a ReLU layer or a layer's own `activation` setting means, or null when it is none that fuses. */
function activationOf(layer: Layer): Activation | null {
  const config = layer.getConfig() as Config;
  if (layer.getClassName() === 'ReLU') {
    if ((config.negativeSlope ?? 0) !== 0 || (config.threshold ?? 0) !== 0) return null;
    const max = config.maxValue;
    return max == null ? 'relu' : max === 6 ? 'relu6' : null;
  }
  const name = config.activation ?? 'linear';
  return name === 'linear' || name === 'relu' || name === 'relu6' ? name : null;
}

/** BatchNormalization's per-channel gain and shift: out = x * gain + shift. */
function batchNormTerms(layer: Layer): { gain: tf.Tensor1D; shift: tf.Tensor1D } {
  const config = layer.getConfig() as Config;
  const weights = layer.getWeights();
  let i = 0;
  const gamma = config.scale === false ? null : weights[i++]!;
  const beta = config.center === false ? null : weights[i++]!;
  const [mean, variance] = [weights[i++]!, weights[i++]!];
  return tf.tidy(() => {
    const gain = tf.div(gamma ?? tf.onesLike(mean), tf.sqrt(tf.add(variance, Number(config.epsilon ?? 1e-3)))) as tf.Tensor1D;
    const shift = tf.sub(beta ?? tf.zerosLike(mean), tf.mul(mean, gain)) as tf.Tensor1D;
    return { gain, shift };
  });
}

/** "same" padding's [before, after] for one axis, as TensorFlow computes it. */
function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

const only = (layers: Layer[]): Layer | null => (layers.length === 1 ? layers[0]! : null);

/**
 * Builds the folded backbone, or returns null when the model has a layer (or a layer setting,
 * such as a channels-first layout or a shared layer) this does not fold: callers then run the model as it is.
 */
export function inferenceBackbone(model: tf.LayersModel): InferenceBackbone | null {
  const layers = model.layers;
  const outputLayer = model.outputs[0]!.sourceLayer;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  for (const layer of layers) {
    const config = layer.getConfig() as Config;
    if (!SUPPORTED.has(layer.getClassName()) || layer.inboundNodes.length !== 1) return null;
    if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') return null;
    if (config.dilationRate !== undefined && pair(config.dilationRate).some((d) => d !== 1)) return null;
    if (layer.getClassName() === 'BatchNormalization' && config.axis !== -1 && config.axis !== 3) return null;
    if ((layer.getClassName() === 'ReLU' || layer.getClassName() === 'Activation') && activationOf(layer) === null) return null;
  }

  const steps: Step[] = [];
  const owned: tf.Tensor[] = [];
  /** Layers whose output a fused step already produces: their name maps to the step output's name. */
  const alias = new Map<string, string>();
  const nameOf = (layer: Layer) => alias.get(layer.name) ?? layer.name;
  // A layer can be absorbed into the one before it only if nothing else reads the one before.
  const soleFollower = (layer: Layer, className: string): Layer | null => {
    const next = only(consumersOf(layer));
    return layer !== outputLayer && next && next.getClassName() === className ? next : null;
  };
  const build = (): boolean => {
    for (const layer of layers) {
      if (alias.has(layer.name)) continue;
      const kind = layer.getClassName();
      const config = layer.getConfig() as Config;
      const inputs = producersOf(layer).map(nameOf);
      if (kind === 'InputLayer') continue;
      if (kind === 'Conv2D' || kind === 'DepthwiseConv2D') {
        let activation = activationOf(layer);
        if (activation === null) return false;
        const [kernel, ownBias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D | undefined];
        let filter = kernel;
        let bias = config.useBias === false ? null : (ownBias ?? null);
        let last = layer;
        const norm = activation === 'linear' ? soleFollower(layer, 'BatchNormalization') : null;
        if (norm) {
          const { gain, shift } = batchNormTerms(norm);
          const folded = tf.tidy(() => {
            // Depthwise output channel c * multiplier + m comes from input channel c's filter m.
            const perFilter = kind === 'DepthwiseConv2D' ? tf.reshape(gain, [kernel.shape[2], kernel.shape[3]]) : gain;
            return { filter: tf.mul(kernel, perFilter) as tf.Tensor4D, bias: tf.add(tf.mul(bias ?? tf.zerosLike(gain), gain), shift) as tf.Tensor1D };
          });
          tf.dispose([gain, shift]);
          ({ filter, bias } = folded);
          owned.push(filter, bias);
          alias.set(norm.name, layer.name);
          last = norm;
        }
        const relu = activation === 'linear' ? soleFollower(last, 'ReLU') : null;
        if (relu) {
          activation = activationOf(relu)!;
          alias.set(relu.name, layer.name);
          last = relu;
        }
        let input = inputs[0]!;
        let pad = String(config.padding) as 'same' | 'valid';
        const padder = only(producersOf(layer));
        const strides = pair(config.strides);
        if (pad === 'valid' && padder?.getClassName() === 'ZeroPadding2D' && only(consumersOf(padder)) === layer) {
          const [height, width] = (padder.inboundNodes[0]!.inputTensors[0]!.shape as number[]).slice(1, 3) as [number, number];
          const [kh, kw] = [kernel.shape[0], kernel.shape[1]];
          const padding = zeroPadding(padder);
          const same = [samePadding(height, kh, strides[0]), samePadding(width, kw, strides[1])];
          if (JSON.stringify(padding) === JSON.stringify(same)) {
            // Drop the padding step this conv reads from: "same" does the same.
            const at = steps.findIndex((s) => s.output === padder.name);
            if (at >= 0) {
              input = (steps[at] as Extract<Step, { op: 'pad' }>).input;
              steps.splice(at, 1);
              pad = 'same';
            }
          }
        }
        steps.push({ op: kind === 'Conv2D' ? 'conv' : 'depthwise', input, output: layer.name, filter, bias, strides, pad, activation });
        continue;
      }
      if (kind === 'ZeroPadding2D') {
        steps.push({ op: 'pad', input: inputs[0]!, output: layer.name, padding: zeroPadding(layer) });
      } else if (kind === 'BatchNormalization') {
        const { gain, shift } = batchNormTerms(layer);
        owned.push(gain, shift);
        steps.push({ op: 'scale', input: inputs[0]!, output: layer.name, gain, shift });
      } else if (kind === 'ReLU' || kind === 'Activation') {
        steps.push({ op: 'activation', input: inputs[0]!, output: layer.name, activation: activationOf(layer)! });
      } else if (kind === 'Add') {
        steps.push({ op: 'add', inputs, output: layer.name });
      } else if (kind === 'MaxPooling2D') {
        steps.push({ op: 'max-pool', input: inputs[0]!, output: layer.name, poolSize: pair(config.poolSize), strides: pair(config.strides ?? config.poolSize), pad: String(config.padding) as 'same' | 'valid' });
      }
    }
    return true;
  };
  if (!build()) {
    tf.dispose(owned);
    return null;
  }
  // Kept past any tidy scope this is first built in: they live until dispose().
  for (const tensor of owned) tf.keep(tensor);
  const inputName = model.inputs[0]!.sourceLayer.name;
  const outputName = nameOf(outputLayer);
  // How many steps read each value, so each is freed as soon as its last reader has run.
  const readers = new Map<string, number>();
  for (const step of steps) for (const name of 'inputs' in step ? step.inputs : [step.input]) readers.set(name, (readers.get(name) ?? 0) + 1);

  return {
    apply(input) {
      const values = new Map<string, tf.Tensor4D>([[inputName, input]]);
      const left = new Map(readers);
      const release = (name: string) => {
        const n = left.get(name)! - 1;
        left.set(name, n);
        if (n === 0 && name !== inputName && name !== outputName) values.get(name)!.dispose();
      };
      for (const step of steps) {
        const read = (name: string) => values.get(name)!;
        let out: tf.Tensor4D;
        switch (step.op) {
          case 'conv':
          case 'depthwise': {
            const args = { x: read(step.input), filter: step.filter, strides: step.strides, pad: step.pad, activation: step.activation, ...(step.bias ? { bias: step.bias } : {}) };
            out = step.op === 'conv' ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
            break;
          }
          case 'pad':
            out = tf.pad(read(step.input), [[0, 0], step.padding[0], step.padding[1], [0, 0]]);
            break;
          case 'scale':
            out = tf.tidy(() => tf.add(tf.mul(read(step.input), step.gain), step.shift));
            break;
          case 'activation':
            out = step.activation === 'relu6' ? tf.relu6(read(step.input)) : step.activation === 'relu' ? tf.relu(read(step.input)) : tf.clone(read(step.input));
            break;
          case 'add':
            out = tf.addN(step.inputs.map(read));
            break;
          case 'max-pool':
            out = tf.maxPool(read(step.input), step.poolSize, step.strides, step.pad);
            break;
        }
        values.set(step.output, out);
        for (const name of 'inputs' in step ? step.inputs : [step.input]) release(name);
      }
      return values.get(outputName)!;
    },
    dispose: () => tf.dispose(owned),
  };
}

/** ZeroPadding2D's [[top, bottom], [left, right]]. */
function zeroPadding(layer: Layer): [[number, number], [number, number]] {
  const padding = (layer.getConfig() as Config).padding;
  if (typeof padding === 'number') return [[padding, padding], [padding, padding]];
  const [rows, cols] = padding as [unknown, unknown];
  return [pair(rows), pair(cols)];
}
