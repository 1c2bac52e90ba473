import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../tfjs';
import type { Dataset, Group } from 'h5wasm/node';
import { AppError } from '@shared/ipc/errors';

type H5wasm = (typeof import('h5wasm/node'))['default'];

/** Why a weights file was refused; the message says it to the user with the file's and layer's names. */
export type KerasWeightsFailure =
  | 'not-found'
  | 'not-hdf5'
  | 'truncated'
  | 'unreadable'
  | 'not-keras'
  | 'missing-layer'
  | 'weight-count'
  | 'shape-mismatch'
  | 'unsupported-dtype';

export class KerasWeightsError extends AppError {
  override readonly name = 'KerasWeightsError';
  readonly reason: KerasWeightsFailure;
  constructor(reason: KerasWeightsFailure, message: string) {
    super('BAD_INPUT', message);
    this.reason = reason;
  }
}

export interface KerasWeightsReport {
  /** The model's layers whose weights came from the file, in the model's order. */
  loadedLayers: string[];
  /**
   * Layers with weights in the file that the model does not have (a with-top file's fc1, fc2 and
   * predictions). Skipped, as Keras's `load_weights(by_name=True)` does.
   */
  ignoredLayers: string[];
  /** How many weight values were loaded. */
  parameters: number;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
/** HDF5's H5T_class_t value for floating-point types. */
const H5T_FLOAT = 1;

/**
 * Loads a Keras 2 HDF5 weights file (`model.save_weights('x.h5')`, the notop files of
 * `keras.applications`, or the `model_weights` group of a full `model.save('x.h5')`) into `model`,
 * matching layers by name. Every layer of the model that has weights must be in the file with the
 * same number of weights of the same shapes; the file is checked in full and read before any weight
 * is assigned, so a refused file leaves the model as it was. Datasets are read one at a time.
 */
export async function loadKerasH5Weights(model: tf.LayersModel, h5Path: string): Promise<KerasWeightsReport> {
  const fileName = path.basename(h5Path);
  checkIsHdf5(h5Path, fileName);
  const h5 = await loadH5wasm();
  let file: InstanceType<H5wasm['File']>;
  try {
    file = new h5.File(h5Path, 'r');
  } catch (error) {
    throw openFailure(error, h5Path, fileName);
  }
  try {
    const root = weightsRoot(h5, file, fileName);
    const fileLayers = stringList(root, 'layer_names', fileName);
    const plan = planLoad(h5, model, root, fileLayers, fileName);
    const modelLayers = new Set(model.layers.map((l) => l.name));
    const ignoredLayers = fileLayers.filter((name) => !modelLayers.has(name) && layerHasWeights(h5, root, name, fileName));
    const values = readAll(plan);
    try {
      for (const [i, { layer }] of plan.entries()) layer.setWeights(values[i]!);
    } finally {
      tf.dispose(values.flat());
    }
    const parameters = plan.reduce((n, { layer }) => n + layer.countParams(), 0);
    return { loadedLayers: plan.map(({ layer }) => layer.name), ignoredLayers, parameters };
  } catch (error) {
    if (error instanceof KerasWeightsError) throw error;
    throw new KerasWeightsError('unreadable', `${fileName} could not be read (damaged file?): ${hdf5Reason(error)}.`);
  } finally {
    file.close();
  }
}

let h5wasmReady: Promise<H5wasm> | null = null;

/**
 * h5wasm's Node build reads the host file system directly. Its start-up refuses to run where a
 * browser's `navigator.userAgent` is visible (an Electron renderer-like context), so that is hidden
 * while it starts, as its README advises. Its error handler is switched to throwing so HDF5's
 * failures become exceptions instead of text on stderr.
 */
function loadH5wasm(): Promise<H5wasm> {
  h5wasmReady ??= (async () => {
    const navigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const userAgent = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
    const hide = navigator?.configurable === true && typeof userAgent === 'string' && /Chrome|Firefox|Safari/.test(userAgent);
    if (hide) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
    try {
      const h5 = (await import('h5wasm/node')).default;
      const module = await h5.ready;
      module.activate_throwing_error_handler();
      return h5;
    } finally {
      if (hide) Object.defineProperty(globalThis, 'navigator', navigator);
    }
  })().catch((error: unknown) => {
    h5wasmReady = null;
    throw error;
  });
  return h5wasmReady;
}

/** HDF5 puts its signature at 0, 512, 1024, 2048... (after an optional user block). */
function checkIsHdf5(h5Path: string, fileName: string): void {
  let size: number;
  try {
    const stat = statSync(h5Path);
    if (!stat.isFile()) throw new KerasWeightsError('not-hdf5', `${h5Path} is not a file; choose a Keras .h5 weights file.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof KerasWeightsError) throw error;
    throw new KerasWeightsError('not-found', `${h5Path} does not exist or cannot be read.`);
  }
  const fd = openSync(h5Path, 'r');
  try {
    const head = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + head.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, head, 0, head.length, offset) === head.length && head.equals(HDF5_SIGNATURE)) return;
    }
  } finally {
    closeSync(fd);
  }
  throw new KerasWeightsError('not-hdf5', `${fileName} is not an HDF5 file; a Keras .h5 weights file was expected.`);
}

function openFailure(error: unknown, h5Path: string, fileName: string): KerasWeightsError {
  const detail = hdf5Reason(error);
  const truncated = /truncated file: eof = (\d+),.*stored_eof = (\d+)/.exec(detail);
  if (truncated) {
    return new KerasWeightsError(
      'truncated',
      `${fileName} is truncated: it has ${truncated[1]} bytes but should have ${truncated[2]} (an incomplete download or copy?).`,
    );
  }
  if (/signature not found/.test(detail)) return new KerasWeightsError('not-hdf5', `${fileName} is not an HDF5 file; a Keras .h5 weights file was expected.`);
  return new KerasWeightsError('unreadable', `${h5Path} could not be opened as HDF5: ${detail}.`);
}

/** The innermost entry of HDF5's error stack says what actually went wrong. */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const entries = [...text.matchAll(/#\d+: .* in [\w.]+\(\): (.*)/g)];
  return entries.at(-1)?.[1]?.trim() ?? (text.split('\n')[0] ?? '').slice(0, 200);
}

function weightsRoot(h5: H5wasm, file: Group, fileName: string): Group {
  if ('layer_names' in file.attrs || 'layer_names0' in file.attrs) return file;
  const modelWeights = file.get('model_weights');
  if (modelWeights instanceof h5.Group && ('layer_names' in modelWeights.attrs || 'layer_names0' in modelWeights.attrs)) return modelWeights;
  const keras3 = file.get('layers') instanceof h5.Group;
  throw new KerasWeightsError(
    'not-keras',
    keras3
      ? `${fileName} is in the Keras 3 .weights.h5 layout, which is not supported; save the weights with Keras 2 (tf.keras) or as a TensorFlow.js layers model.`
      : `${fileName} is an HDF5 file but not Keras weights (it has no layer_names attribute).`,
  );
}

/**
 * A list of strings stored as an attribute; Keras splits one that is too big for an HDF5 object
 * header into `name0`, `name1`, ...
 */
function stringList(group: Group, name: string, fileName: string): string[] {
  const chunks = name in group.attrs ? [name] : [];
  if (chunks.length === 0) for (let i = 0; `${name}${i}` in group.attrs; i++) chunks.push(`${name}${i}`);
  if (chunks.length === 0) throw new KerasWeightsError('not-keras', `${fileName}: ${group.path} has no ${name} attribute; it is not a Keras weights file.`);
  return chunks.flatMap((chunk) => {
    const value = group.get_attribute(chunk, false);
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => {
      if (typeof item === 'string') return item;
      if (item instanceof Uint8Array) return new TextDecoder().decode(item).replace(/\0+$/, '');
      throw new KerasWeightsError('not-keras', `${fileName}: the ${name} attribute of ${group.path} is not a list of names.`);
    });
  });
}

function layerHasWeights(h5: H5wasm, root: Group, layerName: string, fileName: string): boolean {
  const group = root.get(layerName);
  return group instanceof h5.Group && 'weight_names' in group.attrs && stringList(group, 'weight_names', fileName).length > 0;
}

interface LayerPlan {
  layer: tf.layers.Layer;
  datasets: Dataset[];
}

/** Checks names, counts, shapes and types from the file's metadata alone, before reading any data. */
function planLoad(h5: H5wasm, model: tf.LayersModel, root: Group, fileLayers: string[], fileName: string): LayerPlan[] {
  const inFile = new Set(fileLayers);
  return model.layers
    .filter((layer) => layer.weights.length > 0)
    .map((layer) => {
      const group = inFile.has(layer.name) ? root.get(layer.name) : null;
      if (!(group instanceof h5.Group)) throw new KerasWeightsError('missing-layer', `layer ${layer.name} is missing from ${fileName}.`);
      const weightNames = stringList(group, 'weight_names', fileName);
      const needed = layer.weights.map((w) => shortName(w.originalName));
      if (weightNames.length !== needed.length) {
        throw new KerasWeightsError(
          'weight-count',
          `layer ${layer.name} has ${weightNames.length} weight${weightNames.length === 1 ? '' : 's'} in ${fileName} ` +
            `(${weightNames.map(shortName).join(', ') || 'none'}); the model needs ${needed.length} (${needed.join(', ')}).`,
        );
      }
      // Keras pairs a layer's weights by position; so does this.
      const datasets = layer.weights.map((weight, i) => {
        const weightName = weightNames[i]!;
        const dataset = group.get(weightName);
        if (!(dataset instanceof h5.Dataset)) {
          throw new KerasWeightsError('not-keras', `${fileName} lists the weight ${weightName} for layer ${layer.name} but has no such dataset.`);
        }
        const fileShape = dataset.shape ?? [];
        if (fileShape.length !== weight.shape.length || fileShape.some((d, k) => d !== weight.shape[k])) {
          throw new KerasWeightsError(
            'shape-mismatch',
            `${layer.name} ${needed[i]}: file has [${fileShape.join(',')}], the model needs [${weight.shape.join(',')}].`,
          );
        }
        const { type, size } = dataset.metadata;
        if (type !== H5T_FLOAT || (size !== 4 && size !== 8)) {
          throw new KerasWeightsError('unsupported-dtype', `${layer.name} ${needed[i]}: ${fileName} stores it as ${String(dataset.dtype)}, not 32- or 64-bit floats.`);
        }
        return dataset;
      });
      return { layer, datasets };
    });
}

/**
 * Reads every planned dataset into a tensor, one at a time (at most one dataset is held as a plain
 * array; the peak is the model's weights twice). On any failure nothing is kept.
 */
function readAll(plan: LayerPlan[]): tf.Tensor[][] {
  const read: tf.Tensor[][] = [];
  try {
    for (const { layer, datasets } of plan) {
      const tensors: tf.Tensor[] = [];
      read.push(tensors);
      for (const [i, dataset] of datasets.entries()) {
        const value = dataset.value;
        const shape = layer.weights[i]!.shape as number[];
        const expected = shape.reduce((a, b) => a * b, 1);
        const data = value instanceof Float32Array ? value : value instanceof Float64Array ? Float32Array.from(value) : null;
        if (!data || data.length !== expected) throw new Error(`${dataset.path} did not read as ${expected} floats`);
        tensors.push(tf.tensor(data, shape, 'float32'));
      }
    }
  } catch (error) {
    tf.dispose(read.flat());
    throw error;
  }
  return read;
}

/** `block1_conv1/kernel:0` and `block1_conv1/kernel` both name the weight `kernel`. */
function shortName(weightName: string): string {
  return (weightName.split('/').at(-1) ?? weightName).replace(/:\d+$/, '');
}
