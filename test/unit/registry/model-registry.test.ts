import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { tempDir } from '../../support/fixtures';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';
import { dispatchOk } from '../../support/router-call';

let services: AppServices;
let router: Router;

const call = <T>(channel: string, payload: unknown = {}) => dispatchOk<T>(router, channel, payload);

async function failure(channel: string, payload: unknown): Promise<string> {
  const result = await router.dispatch(channel, payload);
  if (result.ok) throw new Error(`${channel} was expected to fail`);
  return `${result.error.code}: ${result.error.message}`;
}

async function trainedVersion(name: string, threshold: number, seed: number): Promise<number> {
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold, seed });
  return services.registry.register(staging, name, 'model.trained').id;
}

type Summary = { id: number; name: string; isActive: boolean; threshold: number | null };

beforeEach(async () => {
  services = openAppServices(await tempDir('cxr-registry-'));
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
});
afterEach(async () => services.close());

describe('model registry', () => {
  it('registers a trained model inactive, with its own threshold and its full metadata', async () => {
    const id = await trainedVersion('v1', 0.3, 1);
    const detail = await call<{ isActive: boolean; threshold: number; auc: number; metadata: { preprocessing: { width: number } } }>('models.get', { modelVersionId: id });
    expect(detail.isActive).toBe(false);
    expect(detail.threshold).toBe(0.3);
    expect(detail.auc).toBeCloseTo(13 / 16, 10);
    expect(detail.metadata.preprocessing.width).toBe(28);
  });

  it('activates only on an explicit confirmation, audits it, and never carries the old threshold over', async () => {
    const v1 = await trainedVersion('v1', 0.3, 1);
    const v2 = await trainedVersion('v2', 0.42, 2);
    expect(await failure('models.activate', { modelVersionId: v1 })).toMatch(/^INVALID_REQUEST/);
    await call('models.activate', { modelVersionId: v1, confirm: true });
    await call('models.setThreshold', { modelVersionId: v1, threshold: 0.2, preset: 'manual' });
    // No study to score: the switch happens at once.
    const { activated } = await call<{ activated: Summary }>('models.activate', { modelVersionId: v2, confirm: true });
    expect(activated).toMatchObject({ id: v2, isActive: true, threshold: 0.42 });
    const { versions } = await call<{ versions: Summary[] }>('models.list');
    expect(versions.filter((v) => v.isActive).map((v) => v.id)).toEqual([v2]);
    const audit = services.audit.recent(20, { action: 'model.activated' });
    expect(audit[0]).toMatchObject({ entityId: String(v2), details: { previous: v1, threshold: 0.42 } });
  });

  it('rolls back to the version active before the last switch, and says when there is none', async () => {
    const v1 = await trainedVersion('v1', 0.3, 1);
    const v2 = await trainedVersion('v2', 0.4, 2);
    await call('models.activate', { modelVersionId: v1, confirm: true });
    expect(await failure('models.rollback', { confirm: true })).toMatch(/no earlier active version/);
    await call('models.activate', { modelVersionId: v2, confirm: true });
    const back = await call<{ activated: Summary }>('models.rollback', { confirm: true });
    expect(back.activated).toMatchObject({ id: v1, isActive: true, threshold: 0.3 });
    const { activations } = await call<{ activations: { versionId: number; previousVersionId: number | null }[] }>('models.activations', {});
    expect(activations.map((a) => [a.versionId, a.previousVersionId])).toEqual([[v1, v2], [v2, v1], [v1, null]]);
    expect(services.audit.recent(5, { action: 'model.rolled_back' })).toHaveLength(1);
  });

  it('exports a version as one file and imports it back as a new, inactive version with the same model', async () => {
    const v1 = await trainedVersion('Site model', 0.35, 3);
    const exported = await call<{ fileName: string; bytes: Uint8Array }>('models.export', { modelVersionId: v1 });
    expect(exported.fileName).toBe('Site-model.cxrmodel');
    const imported = await call<Summary>('models.import', { fileName: exported.fileName, bytes: exported.bytes });
    expect(imported).toMatchObject({ name: 'Site model (imported)', isActive: false, threshold: 0.35 });
    const dirOf = (id: number) => services.models.storagePath(id);
    for (const file of ['backbone/weights.bin', 'head/weights.bin', 'head/model.json']) {
      expect(readFileSync(path.join(dirOf(imported.id), file))).toEqual(readFileSync(path.join(dirOf(v1), file)));
    }
    // Everything but the local paths, which an exported file never carries.
    const original = services.models.pneumoniaMetadata(v1)!;
    const copy = services.models.pneumoniaMetadata(imported.id)!;
    expect({ ...copy, trainingConfig: original.trainingConfig, dataset: original.dataset }).toEqual(original);
    expect(copy.trainingConfig.data).toEqual({ kind: 'folder', path: 'data' });
    expect(copy.dataset.source).toBe('data');
    expect(services.audit.recent(5, { action: 'model.imported' })).toHaveLength(1);
  });

  it('rejects damaged or foreign model files with a specific reason and registers nothing', async () => {
    const v1 = await trainedVersion('v1', 0.3, 1);
    const { bytes } = await call<{ bytes: Uint8Array }>('models.export', { modelVersionId: v1 });
    const before = services.models.list('pneumonia').length;
    const cases: [string, Uint8Array, RegExp][] = [
      ['random.cxrmodel', new Uint8Array(5000).map((_, i) => (i * 31) & 0xff), /not a model archive/],
      ['cut.cxrmodel', bytes.subarray(0, Math.floor(bytes.length / 2)), /lacks|damaged|cut short|holds/],
    ];
    // A package whose metadata is not a pneumonia model's.
    const text = Buffer.from(bytes).toString('latin1');
    const tampered = Buffer.from(text.replace('"task": "pneumonia"', '"task": "cifar-10!"'), 'latin1');
    cases.push(['tampered.cxrmodel', tampered, /metadata is not a pneumonia model's \(task/]);
    for (const [fileName, data, reason] of cases) {
      expect(await failure('models.import', { fileName, bytes: data })).toMatch(reason);
    }
    expect(services.models.list('pneumonia')).toHaveLength(before);
  });

  it('removes staging folders a kill left behind when the app opens again', async () => {
    const staging = services.registry.stagingDir();
    await writeTinyPneumoniaModel(staging);
    writeFileSync(path.join(staging, 'partial'), 'x');
    const dataDir = services.dataDir;
    await services.close();
    services = openAppServices(dataDir);
    const { existsSync } = await import('node:fs');
    expect(existsSync(staging)).toBe(false);
  });
});
