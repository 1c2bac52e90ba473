import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';
import { dispatchOk } from '../../support/router-call';

let services: AppServices;
let router: Router;

const call = <T>(channel: string, payload: unknown = {}) => dispatchOk<T>(router, channel, payload);

type Preview = {
  summary: {
    train: { normal: number; pneumonia: number };
    val: { normal: number; pneumonia: number };
    test: { normal: number; pneumonia: number };
    validationSplit: string;
    fingerprint: string;
  };
  notes: string[];
};

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-pneumonia-data-'));
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
});
afterAll(async () => services.close());

describe('training data preview', () => {
  const folder = requireSharedData('chest_xray');

  it('uses the real folder splits when the validation set is large enough', async () => {
    const preview = await call<Preview>('pneumonia.previewData', { data: { kind: 'folder', path: folder }, minValidationImages: 50 });
    // The staged data: train 211 N / 297 P, val 29 N / 44 P, test 43 N / 61 P.
    expect(preview.summary.train).toEqual({ normal: 211, pneumonia: 297 });
    expect(preview.summary.val).toEqual({ normal: 29, pneumonia: 44 });
    expect(preview.summary.test).toEqual({ normal: 43, pneumonia: 61 });
    expect(preview.summary.validationSplit).toBe('given');
  });

  it('carves validation from train by patient when the given one is too small, and says so', async () => {
    const preview = await call<Preview>('pneumonia.previewData', { data: { kind: 'folder', path: folder }, minValidationImages: 100 });
    const { train, val, test } = preview.summary;
    expect(preview.summary.validationSplit).toBe('by-patient');
    expect(train.normal + train.pneumonia + val.normal + val.pneumonia).toBe(508 + 73);
    expect(test).toEqual({ normal: 43, pneumonia: 61 });
    expect(preview.notes.join(' ')).toMatch(/carved by patient/);
    const again = await call<Preview>('pneumonia.previewData', { data: { kind: 'folder', path: folder }, minValidationImages: 100 });
    expect(again.summary.fingerprint).toBe(preview.summary.fingerprint);
  });

  it('refuses a folder that is not in the Kaggle layout with a clear message', async () => {
    const empty = await tempDir('cxr-empty-');
    const result = await router.dispatch('pneumonia.previewData', { data: { kind: 'folder', path: empty } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('BAD_INPUT');
  });

  it('offers the staged weights and folder as defaults', async () => {
    const defaults = await call<{ mobilenetWeightsPath: string | null; sampleFolder: string | null }>('pneumonia.defaults');
    expect(defaults.mobilenetWeightsPath).toMatch(/mobilenetv2_035_224_imagenet_tm$/);
    expect(defaults.sampleFolder).toBe(folder);
  });

  it('offers the staged CIFAR-10 release to the CIFAR-10 panel', async () => {
    const defaults = await call<{ datasetPath: string | null }>('training.defaults');
    expect(defaults.datasetPath).toBe(requireSharedData('cifar10/cifar-10-images.tar.gz'));
  });
});
