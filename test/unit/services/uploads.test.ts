import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter } from '../../../src-main/services/api/router';
import { openAppServices } from '../../../src-main/services/app/app-services';
import { tempDir } from '../../support/fixtures';
import { dispatchOk } from '../../support/router-call';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';
import { UPLOAD_IDLE_MS, UploadStore } from '../../../src-main/services/uploads/upload-store';

describe('chunked uploads at the router (the path both adapters take)', () => {
  it('imports a model sent in chunks, and a restart removes an upload left unfinished', async () => {
    const dataDir = await tempDir('cxr-uploads-');
    let services = openAppServices(dataDir);
    const router = createRouter(createHandlers(services, { adapter: 'electron', version: 'test' }));
    const staging = services.registry.stagingDir();
    await writeTinyPneumoniaModel(staging, { hiddenUnits: 50_000 });
    const id = services.registry.register(staging, 'Chunked', 'model.trained').id;
    const { bytes } = await services.registry.exportVersion(id, 'test');

    const { uploadId, chunkBytes } = await dispatchOk<{ uploadId: string; chunkBytes: number }>(router, 'uploads.begin', { fileName: 'c.cxrmodel', size: bytes.byteLength });
    for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
      await dispatchOk(router, 'uploads.chunk', { uploadId, offset, bytes: new Uint8Array(bytes.subarray(offset, offset + chunkBytes)) });
    }
    await dispatchOk(router, 'uploads.finish', { uploadId });
    await router.dispatch('models.import', { uploadId });
    expect(services.models.list('pneumonia').map((v) => v.name)).toContain('Chunked (imported)');
    expect(readdirSync(path.join(dataDir, 'uploads'))).toEqual([]);

    const left = await dispatchOk<{ uploadId: string }>(router, 'uploads.begin', { fileName: 'd.cxrmodel', size: 100 });
    await dispatchOk(router, 'uploads.chunk', { uploadId: left.uploadId, offset: 0, bytes: new Uint8Array(50) });
    expect(readdirSync(path.join(dataDir, 'uploads'))).toHaveLength(1);
    await services.close();
    services = openAppServices(dataDir);
    expect(existsSync(path.join(dataDir, 'uploads')) ? readdirSync(path.join(dataDir, 'uploads')) : []).toEqual([]);
    await services.close();
  });

  it('limits uploads in progress, and lets abandoned ones give way', async () => {
    let now = 0;
    const store = new UploadStore(await tempDir('cxr-upload-store-'), 1000, () => now);
    await expect(store.begin('x', 1001)).rejects.toThrow(/limited to/);
    const [a, b] = [await store.begin('a', 10), await store.begin('b', 10)];
    for (const name of ['c', 'd']) await store.begin(name, 10);
    await expect(store.begin('e', 10)).rejects.toThrow(/4 uploads are already in progress/);

    now += UPLOAD_IDLE_MS / 2;
    await store.chunk(b.uploadId, 0, new Uint8Array(1));
    now += UPLOAD_IDLE_MS;
    await store.begin('e', 10);
    await expect(store.chunk(a.uploadId, 0, new Uint8Array(1))).rejects.toThrow(/No upload in progress/);
    expect(await store.chunk(b.uploadId, 1, new Uint8Array(1))).toEqual({ received: 2 });
  });
});
