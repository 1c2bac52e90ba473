import { tf } from '../tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchMatMulConfig } from './batch-matmul';
import { fusedBatchNormConfig } from './batch-norm';
import { batchNormGradConfig } from './batch-norm-grad';
import { identityConfig, sameDtypeCastConfig } from './identity';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dBackpropFilterConfig, depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-grads';
import { maxPoolGradConfig } from './max-pool-grad';
import { meanGradConfig } from './mean-grad';
import { StockKernels } from './stock-kernels';
import { meanConfig, sumConfig } from './sum';

let registered = false;

/**
 * Makes the wasm backend able to train CNNs, and fast at it: registers the project's gradient
 * kernels over the stock ones. Call after `tf.setBackend('wasm')` has resolved. Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const backend = tf.findBackend('wasm') as BackendWasm | null;
  if (!backend) throw new Error('The wasm backend must be initialised before its training kernels are registered.');
  const stock = new StockKernels(backend);
  // Build every config first: each captures the stock kernel it replaces.
  const configs = [
    conv2dBackpropFilterConfig(stock),
    conv2dBackpropInputConfig(stock),
    batchMatMulConfig(stock),
    sumConfig(stock),
    meanConfig(stock),
    maxPoolGradConfig(stock),
    depthwiseConv2dBackpropInputConfig(stock),
    depthwiseConv2dBackpropFilterConfig(stock),
    identityConfig(stock),
    sameDtypeCastConfig(stock),
    fusedBatchNormConfig(stock),
  ];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  tf.unregisterGradient(tf.FusedBatchNorm);
  tf.registerGradient(batchNormGradConfig);
  tf.unregisterGradient(tf.Mean);
  tf.registerGradient(meanGradConfig);
  registered = true;
}
