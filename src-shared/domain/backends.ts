/** The TensorFlow.js backends the compute worker can run on, best first. */
export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
