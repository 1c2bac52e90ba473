import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const alias = { '@shared': resolve(import.meta.dirname, 'src-shared') };

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: 'out/main',
      // Optional dependencies load native binaries relative to their own files; they must stay in node_modules.
      externalizeDeps: { include: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] },
      rolldownOptions: {
        input: {
          main: resolve(import.meta.dirname, 'src-main/electron/main.ts'),
          host: resolve(import.meta.dirname, 'src-main/host/host-main.ts'),
          cli: resolve(import.meta.dirname, 'src-main/cli.ts'),
          // DICOM decoding runs in worker threads (see decode-pool.ts), which load this file.
          'dicom-worker': resolve(import.meta.dirname, 'src-main/services/imaging/dicom/decode-worker.ts'),
          // The thread that owns TensorFlow.js (see compute-worker-client.ts).
          'compute-worker': resolve(import.meta.dirname, 'src-main/services/ml/runtime/compute-worker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { preload: resolve(import.meta.dirname, 'src-main/electron/preload.ts') },
        // A sandboxed preload cannot load ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src-renderer'),
    base: './',
    resolve: { alias },
    plugins: [svelte()],
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src-renderer/index.html'),
          // The browser host's stand-in for the preload; built here so it ships with the renderer.
          'host-bridge': resolve(import.meta.dirname, 'src-main/host/browser/host-bridge.ts'),
        },
        output: {
          entryFileNames: (chunk) => (chunk.name === 'host-bridge' ? 'host-bridge.js' : 'assets/[name]-[hash].js'),
        },
      },
    },
  },
});
