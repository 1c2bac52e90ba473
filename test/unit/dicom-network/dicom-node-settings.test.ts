import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DICOM_NODE_SETTINGS, type DicomNodeStatus } from '@shared/ipc/dicom-node-contract';
import { requestIssues } from '@shared/ipc/request-issues';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { createHandlers } from '../../../src-main/services/api/handlers';
import { createRouter } from '../../../src-main/services/api/router';
import { refusalFor } from '../../../src-main/services/dicom-network/association-policy';
import { associationLine, listenSettings } from '../../../src-main/cli/listen-command';
import { freePort } from '../../support/dicom-tools';
import { tempDir } from '../../support/fixtures';

/** Settings, status and lifecycle of the node through the contract, as the settings screen will use them. */
const opened: AppServices[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function open(dataDir?: string) {
  const services = openAppServices(dataDir ?? (await tempDir('cxr-node-settings-')));
  opened.push(services);
  const router = createRouter(createHandlers(services, { adapter: 'browser-host', version: 'test' }));
  return { services, router, dataDir: services.dataDir };
}

describe('DICOM node settings and status', () => {
  it('is off on a fresh install, with the documented defaults', async () => {
    const { router } = await open();
    expect(await router.dispatch('dicomNode.settings.get', {})).toEqual({ ok: true, value: DEFAULT_DICOM_NODE_SETTINGS });
    const status = await router.dispatch('dicomNode.status', {});
    expect(status).toMatchObject({ ok: true, value: { state: 'off', aeTitle: 'CXRTRIAGE', port: 11112, bindAddress: '127.0.0.1', reason: null } });
  });

  it('validates every field and changes nothing it refuses', async () => {
    const { router } = await open();
    const refused = [
      { aeTitle: 'A'.repeat(17) },
      { aeTitle: '   ' },
      { aeTitle: 'BACK\\SLASH' },
      { aeTitle: 'CTRL\u0001' },
      { port: 0 },
      { port: 70_000 },
      { bindAddress: 'example.org' },
      { bindAddress: '999.1.1.1' },
      { allowedPeers: [{ aeTitle: 'PACS', host: 'pacs.example.org' }] },
      { allowedPeers: [{ aeTitle: 'PACS' }] },
      { enabled: 'yes' },
      { extra: true },
    ];
    for (const payload of refused) {
      const result = await router.dispatch('dicomNode.settings.update', payload);
      expect(result.ok, JSON.stringify(payload)).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('INVALID_REQUEST');
    }
    expect(await router.dispatch('dicomNode.settings.get', {})).toEqual({ ok: true, value: DEFAULT_DICOM_NODE_SETTINGS });
  });

  it('keeps an optional port per allowed peer for the C-ECHO test, validated, and reads settings saved before it existed', async () => {
    const { router, services } = await open();
    const peers = [
      { aeTitle: 'PACS', host: '10.0.0.5', port: 104 },
      { aeTitle: 'MODALITY1', host: '10.0.0.6' },
    ];
    const update = await router.dispatch('dicomNode.settings.update', { allowedPeers: peers });
    expect(update).toMatchObject({ ok: true, value: { settings: { allowedPeers: peers } } });

    const refused = await router.dispatch('dicomNode.settings.update', { allowedPeers: [{ aeTitle: 'PACS', host: '10.0.0.5', port: 0 }] });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('INVALID_REQUEST');
      expect(requestIssues(refused.error.message)).toEqual([{ field: 'allowedPeers.0.port', message: 'a port is a whole number from 1 to 65535' }]);
    }
    expect(await router.dispatch('dicomNode.settings.get', {})).toMatchObject({ ok: true, value: { allowedPeers: peers } });

    // A row written before peers had a port still loads as it was, not as the defaults.
    const older = { ...DEFAULT_DICOM_NODE_SETTINGS, port: 11113, allowedPeers: [{ aeTitle: 'PACS', host: '10.0.0.5' }] };
    services.db.prepare("UPDATE settings SET value_json = ? WHERE key = 'dicomNode'").run(JSON.stringify(older));
    expect(await router.dispatch('dicomNode.settings.get', {})).toEqual({ ok: true, value: older });
  });

  it('persists a change, audits it, restarts the listener, and is started again by openAppServices', async () => {
    const { router, services, dataDir } = await open();
    const port = await freePort();
    const update = await router.dispatch('dicomNode.settings.update', {
      enabled: true,
      aeTitle: ' TRIAGE1 ',
      port,
      allowedPeers: [{ aeTitle: 'MODALITY1', host: '::ffff:127.0.0.1' }],
    });
    expect(update).toMatchObject({ ok: true, value: { settings: { aeTitle: 'TRIAGE1', port }, status: { state: 'listening', port } } });
    const audit = services.audit.recent(5, { action: 'setting.changed' })[0]!;
    expect(audit.entityId).toBe('dicomNode');
    expect(audit.details).toMatchObject({ from: { enabled: false, aeTitle: 'CXRTRIAGE' }, to: { enabled: true, aeTitle: 'TRIAGE1' } });
    await services.close();
    opened.splice(0);

    const again = await open(dataDir);
    await waitFor(() => again.services.dicomNode.status().state === 'listening');
    expect(again.services.dicomNode.status().port).toBe(port);
    const off = await again.router.dispatch('dicomNode.settings.update', { enabled: false });
    expect(off).toMatchObject({ ok: true, value: { status: { state: 'off' } } });
    await expect(connects(port)).resolves.toBe(false);
  });

  it('reports a port in use as the reason, without throwing', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { router, services } = await open();
      const update = await router.dispatch('dicomNode.settings.update', { enabled: true, port });
      expect(update).toMatchObject({ ok: true, value: { status: { state: 'error' } } });
      if (update.ok) expect((update.value as { status: DicomNodeStatus }).status.reason).toBe(`port ${port} is in use on 127.0.0.1 (another DICOM node or program listens there)`);
      expect(services.audit.recent(1, { action: 'dicom.listener_failed' })).toHaveLength(1);
    } finally {
      blocker.close();
    }
  });
});

describe('association policy', () => {
  const allowed = [{ aeTitle: 'MODALITY1', host: '10.0.0.5' }];
  it('lets in only an allowed AE title from its own address, and nobody when the list is empty', () => {
    const facts = { callingAeTitle: 'MODALITY1', calledAeTitle: 'CXRTRIAGE', remoteAddress: '::ffff:10.0.0.5' };
    expect(refusalFor(facts, 'CXRTRIAGE', allowed)).toBeNull();
    expect(refusalFor({ ...facts, remoteAddress: '10.0.0.6' }, 'CXRTRIAGE', allowed)).toBe('calling-ae-not-recognized');
    expect(refusalFor({ ...facts, callingAeTitle: 'MODALITY2' }, 'CXRTRIAGE', allowed)).toBe('calling-ae-not-recognized');
    expect(refusalFor({ ...facts, calledAeTitle: 'OTHER' }, 'CXRTRIAGE', allowed)).toBe('called-ae-not-recognized');
    expect(refusalFor(facts, 'CXRTRIAGE', [])).toBe('calling-ae-not-recognized');
    // The port kept for the echo test plays no part in who may send.
    expect(refusalFor(facts, 'CXRTRIAGE', [{ aeTitle: 'MODALITY1', host: '10.0.0.5', port: 104 }])).toBeNull();
  });
});

describe('cli listen options', () => {
  it('applies --ae, --port, --host and repeated --allow on top of the stored settings, validated', () => {
    const settings = listenSettings(DEFAULT_DICOM_NODE_SETTINGS, ['listen', '--ae', 'NODE2', '--port', '104', '--allow', 'A@127.0.0.1', '--allow=B@::1']);
    expect(settings).toEqual({ enabled: true, aeTitle: 'NODE2', port: 104, bindAddress: '127.0.0.1', allowedPeers: [{ aeTitle: 'A', host: '127.0.0.1' }, { aeTitle: 'B', host: '::1' }] });
    expect(() => listenSettings(DEFAULT_DICOM_NODE_SETTINGS, ['--port', 'x'])).toThrow(/port/);
    expect(() => listenSettings(DEFAULT_DICOM_NODE_SETTINGS, ['--allow', 'nohost'])).toThrow(/AE@address/);
    expect(() => listenSettings(DEFAULT_DICOM_NODE_SETTINGS, ['--host', 'localhost'])).toThrow(/bindAddress/);
  });

  it('prints an association with control characters escaped', () => {
    const line = associationLine({ callingAeTitle: 'EVIL\u001b[2J', host: '127.0.0.1', added: 2, alreadyStored: 1, rejected: 0, outcome: 'released', seconds: 1.25, bytesReceived: 10, studyIds: [1] });
    expect(line).toContain('EVIL\\x1b[2J@127.0.0.1: 2 stored, 1 already stored, 0 refused; released; 1.3 s');
    expect(line).not.toMatch(/[\x00-\x1f]/);
  });
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
