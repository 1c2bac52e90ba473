/**
 * TensorFlow.js for the main side, loaded with `require`. Its package is CommonJS; importing it
 * from an ES module makes Node scan it and every package it re-exports for export names (1.3 MB
 * and more of source): 0.5 s instead of 0.2 s here, paid by every compute worker as it starts,
 * while the first import's studies wait for their scores (bench/scoring.ts). Loaded this way it
 * is the same module instance as any `import` of it (one require cache), so kernels and backends
 * are shared.
 *
 * `tf` is a value and, for type positions, a namespace of the types the code names as `tf.X`.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

const localRequire = createRequire(import.meta.url);

export const tf = localRequire('@tensorflow/tfjs') as typeof TF;

/** The wasm backend (CommonJS too), loaded when it is the backend chosen; loading it registers it. */
export const loadWasmBackend = () => localRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');

// The types half of `tf` (see above): a namespace of types only merges with the const.
export declare namespace tf {
  type Rank = TF.Rank;
  type Tensor<R extends TF.Rank = TF.Rank> = TF.Tensor<R>;
  type Scalar = TF.Scalar;
  type Tensor1D = TF.Tensor1D;
  type Tensor2D = TF.Tensor2D;
  type Tensor3D = TF.Tensor3D;
  type Tensor4D = TF.Tensor4D;
  type Variable<R extends TF.Rank = TF.Rank> = TF.Variable<R>;
  type TensorInfo = TF.TensorInfo;
  type NamedAttrMap = TF.NamedAttrMap;
  type KernelConfig = TF.KernelConfig;
  type KernelFunc = TF.KernelFunc;
  type GradConfig = TF.GradConfig;
  type LayersModel = TF.LayersModel;
  type Sequential = TF.Sequential;
  type SymbolicTensor = TF.SymbolicTensor;
  type LayerVariable = TF.LayerVariable;
  type BatchMatMulAttrs = TF.BatchMatMulAttrs;
  type CastAttrs = TF.CastAttrs;
  type Conv2DBackpropFilterAttrs = TF.Conv2DBackpropFilterAttrs;
  type Conv2DBackpropInputAttrs = TF.Conv2DBackpropInputAttrs;
  type DepthwiseConv2dNativeBackpropFilterAttrs = TF.DepthwiseConv2dNativeBackpropFilterAttrs;
  type DepthwiseConv2dNativeBackpropInputAttrs = TF.DepthwiseConv2dNativeBackpropInputAttrs;
  type FusedBatchNormAttrs = TF.FusedBatchNormAttrs;
  type MaxPoolGradAttrs = TF.MaxPoolGradAttrs;
  type MeanAttrs = TF.MeanAttrs;
  type SumAttrs = TF.SumAttrs;
  namespace io {
    type CompositeArrayBuffer = TF.io.CompositeArrayBuffer;
    type TrainingConfig = TF.io.TrainingConfig;
    type WeightsManifestEntry = TF.io.WeightsManifestEntry;
  }
  namespace layers {
    type Layer = TF.layers.Layer;
  }
}
