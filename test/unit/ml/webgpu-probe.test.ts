import { describe, expect, it } from 'vitest';
import { probeWebGpu } from '../../../src-main/services/ml/runtime/webgpu-probe';

/** A stand-in for the webgpu package, as a module the probe's child process imports. */
const fakeDawn = (body: string) => `data:text/javascript,${encodeURIComponent(`export const globals = {}; export function create() { ${body} }`)}`;

describe('WebGPU probe in a child process', () => {
  it('survives Dawn aborting the process and says so', async () => {
    const result = await probeWebGpu(fakeDawn('process.abort();'));
    expect(result).toEqual({ ok: false, reason: 'asking Dawn for a GPU crashed (SIGABRT)' });
  });

  it('reports the adapter Dawn finds, software ones marked', async () => {
    const software = fakeDawn(`return { requestAdapter: async () => ({ isFallbackAdapter: true,
      info: { vendor: 'google', architecture: 'swiftshader', device: 'subzero', description: 'SwiftShader' } }) };`);
    expect(await probeWebGpu(software)).toEqual({
      ok: true,
      adapter: { vendor: 'google', architecture: 'swiftshader', device: 'subzero', description: 'SwiftShader', isFallbackAdapter: true },
    });
    expect(await probeWebGpu(fakeDawn('return { requestAdapter: async () => null };'))).toEqual({ ok: true, adapter: null });
  });

  it('reports a failure to load Dawn instead of throwing', async () => {
    const result = await probeWebGpu(fakeDawn("throw new Error('libvulkan.so.1: cannot open shared object file');"));
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^asking Dawn for a GPU failed \(exit 1\)$/) });
  });

  it('answers with the real package here, whatever Dawn does, without taking this process down', async () => {
    for (let i = 0; i < 3; i++) {
      const result = await probeWebGpu();
      expect(result.ok ? 'answered' : result.reason).toMatch(/^(answered|asking Dawn for a GPU .+|the webgpu package \(Dawn\) is not installed)$/);
    }
  }, 90_000);
});
