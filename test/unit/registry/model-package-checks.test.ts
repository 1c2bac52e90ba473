import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract, pack } from 'tar-stream';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { tempDir } from '../../support/fixtures';
import { writeTinyPneumoniaModel } from '../../support/tiny-pneumonia-model';

/** Crafted model files, as an attacker or a broken tool would make them: each refused with its reason. */
let services: AppServices;
let entries: Map<string, Buffer>;
let exported: Buffer;

async function unpack(bytes: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const archive = extract();
  archive.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      out.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    archive.on('finish', resolve);
    archive.on('error', reject);
    Readable.from([bytes]).pipe(archive);
  });
  return out;
}

async function repack(changes: Record<string, (text: string) => string>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => archive.on('end', () => resolve()));
  for (const [name, bytes] of entries) {
    const change = changes[name];
    archive.entry({ name }, change ? change(bytes.toString('utf8')) : bytes);
  }
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

function mapJson(change: (json: Record<string, unknown>) => void): (text: string) => string {
  return (text) => {
    const json = JSON.parse(text) as Record<string, unknown>;
    change(json);
    return JSON.stringify(json);
  };
}

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-package-'));
  const staging = services.registry.stagingDir();
  await writeTinyPneumoniaModel(staging, { threshold: 0.3 });
  const id = services.registry.register(staging, 'v1', 'model.trained').id;
  exported = (await services.registry.exportVersion(id, 'test')).bytes;
  entries = await unpack(exported);
});
afterAll(async () => services.close());

type Weights = { weightsManifest: { weights: { shape: unknown; dtype: unknown }[] }[] };
const firstWeight = (json: Record<string, unknown>) => (json as unknown as Weights).weightsManifest[0]!.weights[0]!;

describe('a model file is checked completely before anything is registered', () => {
  const crafted: [string, Record<string, (text: string) => string>, RegExp][] = [
    ['a null weight shape', { 'head/model.json': mapJson((j) => void (firstWeight(j).shape = null)) }, /head\/model\.json lists a weight it cannot describe \(weights\.0\.shape/],
    ['a negative weight shape', { 'head/model.json': mapJson((j) => void (firstWeight(j).shape = [-4, 1])) }, /weights\.0\.shape\.0/],
    ['a string in a weight shape', { 'backbone/model.json': mapJson((j) => void (firstWeight(j).shape = ['4', 4])) }, /backbone\/model\.json lists a weight/],
    ['an unknown dtype', { 'head/model.json': mapJson((j) => void (firstWeight(j).dtype = 'complex128')) }, /weights\.0\.dtype/],
    ['no topology', { 'head/model.json': mapJson((j) => void delete j.modelTopology) }, /head\/model\.json is not a TensorFlow\.js layers model/],
    ['a topology that is a string', { 'backbone/model.json': mapJson((j) => void (j.modelTopology = 'x')) }, /backbone\/model\.json is not a TensorFlow\.js layers model/],
    // Consistent files, junk architecture: only building the model and scoring a blank image finds these.
    ['a layer with a negative size', { 'head/model.json': (t) => t.replace('"units":1', '"units":-1') }, /not a usable CXR Triage model file: .*(weights|cannot|shape|units)/i],
    ['a layer with a string size', { 'head/model.json': (t) => t.replace('"units":1', '"units":"one"') }, /not a usable CXR Triage model file/],
    ['a head that does not fit the backbone', { 'head/model.json': (t) => t.replace(/"batch_input_shape":\[null,7,7,4\]/, '"batch_input_shape":[null,5,5,4]') }, /head takes \[5, 5, 4\] but its backbone gives \[7, 7, 4\]|not a usable/],
  ];

  it.each(crafted)('refuses %s with a specific reason', async (_name, changes, reason) => {
    const before = services.models.list('pneumonia').length;
    await expect(services.registry.importFile('crafted.cxrmodel', await repack(changes))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(reason) });
    expect(services.models.list('pneumonia')).toHaveLength(before);
  });

  it('an exported file holds no absolute local path', async () => {
    const text = entries.get('metadata.json')!.toString('utf8');
    expect(text).not.toMatch(/"\/data"|"\/[A-Za-z]/);
    expect(JSON.parse(text).trainingConfig.data).toEqual({ kind: 'folder', path: 'data' });
  });
});
