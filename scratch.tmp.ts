import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './src-main/services/ml/runtime/backend-select';
import { loadBackbone } from './src-main/services/ml/pneumonia/backbone';
import { listKaggleSamples } from './src-main/services/ml/pneumonia/kaggle-samples';
import { splitDataset } from './src-main/services/ml/pneumonia/dataset-split';
import { ResizedImageCache } from './src-main/services/ml/pneumonia/resized-image-cache';
import { createPneumoniaNetwork } from './src-main/services/ml/pneumonia/pneumonia-network';
import { trainPneumonia } from './src-main/services/ml/pneumonia/pneumonia-trainer';
console.log(await selectBackend('wasm'));
let t = Date.now();
const samples = await listKaggleSamples('../shared/data/chest_xray');
console.log('list', samples.length, Date.now() - t); t = Date.now();
const s = splitDataset(samples, { validationFraction: 0.15, minValidationImages: 50, seed: 1, source: 'x', maxTrainImages: 64 });
console.log(s.summary);
const bb = await loadBackbone({ kind: 'mobilenetv2', weightsPath: '../shared/data/weights/mobilenetv2_035_224_imagenet_tm' });
const cache = new ResizedImageCache(bb.preprocessing);
await cache.load([...s.train, ...s.val]);
console.log('load', Date.now() - t); t = Date.now();
const net = createPneumoniaNetwork(bb, 1);
const r = await trainPneumonia(net, { train: s.train, val: s.val, images: cache }, { batchSize: 16, augment: true, classWeights: true, seed: 1,
  phase1: { epochs: 2, learningRate: 1e-3, earlyStoppingPatience: 5, reduceLrPatience: 3 }, phase2: { epochs: 1, learningRate: 1e-5, earlyStoppingPatience: 5, reduceLrPatience: 3 } },
  { onEpoch: (r) => console.log(JSON.stringify(r), tf.memory().numTensors), onBatch: (p, e, b, n, l) => b === 1 && console.log(p, e, b, n, l) });
console.log(Date.now() - t);
