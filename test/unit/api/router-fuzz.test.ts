import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type Channel } from '@shared/ipc/channels';
import { contract } from '@shared/ipc/contract';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter, type Router } from '../../../src-main/services/api/router';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { seedPredictions } from '../../support/seed-predictions';
import { makeMixedFolder, tempDir } from '../../support/fixtures';

/**
 * The attack suite's request fuzzer: every channel gets hostile payloads (wrong types, hostile
 * strings, out-of-range numbers, prototype keys, extra keys) and must answer each with a clear
 * error, never an internal failure, and leave the data folder as it was. Prints its counts.
 */
let services: AppServices;
let router: Router;
const internal: string[] = [];

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-fuzz-'));
  router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'fuzz' }), (channel) => internal.push(channel));
  const folder = await tempDir('cxr-fuzz-src-');
  await makeMixedFolder(folder);
  await services.jobs.waitFor(await services.importer.start(folder));
  await seedPredictions(services);
});
afterAll(async () => services.close());

/** Everything a request could change, as one comparable value. */
function state(): string {
  const db = services.db;
  const tables = ['studies', 'images', 'imports', 'predictions', 'model_versions', 'model_activations', 'training_runs', 'settings', 'audit_log'];
  const counts = tables.map((t) => db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get());
  const versions = db.prepare('SELECT id, threshold, is_active FROM model_versions ORDER BY id').all();
  const statuses = db.prepare('SELECT id, status FROM studies ORDER BY id').all();
  const settings = db.prepare('SELECT key, value_json FROM settings ORDER BY key').all();
  return JSON.stringify({ counts, versions, statuses, settings });
}

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  'x'.repeat(100_000),
  '../../../../etc/passwd',
  "1; DROP TABLE studies; --",
  '\u0000\u202e\n',
  [],
  [1, 'two', null],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  new Uint8Array(3),
];

const WHOLE_PAYLOADS: unknown[] = [null, 42, 'payload', [], [{}], new Uint8Array(8), { constructor: { prototype: { polluted: true } } }, { extra: 'key', sql: 'DROP TABLE studies' }];

/** The field names of a channel's request schema (zod objects expose their shape). */
function fieldsOf(channel: Channel): string[] {
  const schema = contract[channel].request as unknown as { shape?: Record<string, unknown> };
  return schema.shape ? Object.keys(schema.shape) : [];
}

function payloadsFor(channel: Channel): unknown[] {
  const payloads = [...WHOLE_PAYLOADS];
  for (const field of fieldsOf(channel)) {
    for (const value of HOSTILE_VALUES) payloads.push({ [field]: value });
  }
  return payloads;
}

describe('every channel under hostile payloads', () => {
  it('answers each with a clear error or a harmless answer, never an internal failure, and changes nothing it refused', async () => {
    const tally = { tried: 0, clearError: 0, accepted: 0, crash: 0, stateChange: 0 };
    const problems: string[] = [];
    for (const channel of CHANNELS) {
      for (const payload of payloadsFor(channel)) {
        tally.tried++;
        const before = state();
        let result;
        try {
          result = await router.dispatch(channel, payload);
        } catch (error) {
          tally.crash++;
          problems.push(`${channel}: threw ${error instanceof Error ? error.name : typeof error}`);
          continue;
        }
        if (result.ok) {
          tally.accepted++;
          continue;
        }
        if (result.error.code === 'INTERNAL') {
          tally.crash++;
          problems.push(`${channel}: INTERNAL for ${JSON.stringify(payload)?.slice(0, 80)}`);
          continue;
        }
        tally.clearError++;
        expect(result.error.message.length).toBeGreaterThan(10);
        if (state() !== before) {
          tally.stateChange++;
          problems.push(`${channel}: refused but changed state`);
        }
      }
      // Whatever a channel accepted, the next channel's "before" starts from here.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.log(
      `router fuzz: ${tally.tried} tried, ${tally.clearError} clear errors, ${tally.accepted} accepted as valid, ` +
        `${tally.crash} crashes, ${tally.stateChange} state changes on a refusal`,
    );
    expect(problems).toEqual([]);
    expect(internal).toEqual([]);
    expect(tally.tried).toBeGreaterThan(CHANNELS.length * WHOLE_PAYLOADS.length);
  }, 120_000);
});
