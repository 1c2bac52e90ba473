import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { startHost, type RunningHost } from '../../../src-main/host/host-server';
import { decodeWire, encodeMessage } from '@shared/ipc/wire-codec';
import { tempDir } from '../../support/fixtures';

let services: AppServices;
let host: RunningHost;
let rendererDir: string;

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-host-'));
  rendererDir = await tempDir('cxr-renderer-');
  await writeFile(path.join(rendererDir, 'index.html'), '<html><head></head><body><script type="module" src="./assets/app.js"></script></body></html>');
  await mkdir(path.join(rendererDir, 'assets'));
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  host = await startHost({ services, rendererDir });
});
afterAll(async () => {
  await host.close();
  await services.close();
});

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function request(ws: WebSocket, message: string): Promise<{ id: number | null; envelope: { ok: boolean; value?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    ws.once('message', (data, isBinary) => resolve(decodeWire(isBinary ? (data as Buffer) : String(data)) as never));
    ws.send(message);
  });
}

describe('browser host', () => {
  it('listens on loopback only', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(host.launchUrl).toContain(`#token=${host.token}`);
  });

  it('serves the renderer with the bridge loaded before the app, and security headers', async () => {
    const response = await fetch(host.url);
    const html = await response.text();
    expect(html.indexOf('host-bridge.js')).toBeGreaterThan(0);
    expect(html.indexOf('host-bridge.js')).toBeLessThan(html.indexOf('assets/app.js'));
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(html).not.toContain(host.token);
    expect(await (await fetch(`${host.url}assets/app.js`)).text()).toBe('console.log(1)');
  });

  it('serves nothing outside the renderer folder', async () => {
    for (const probe of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e/%2e%2e/etc/passwd', 'assets/../../secret']) {
      expect((await fetch(`${host.url}${probe}`)).status).toBe(404);
    }
  });

  it('refuses a request whose Host header is not loopback (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: host.port, path: '/', headers: { Host: 'evil.example:80' } }, (res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(421);
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    await expect(connect('')).rejects.toThrow(/403/);
    await expect(connect('?token=wrong')).rejects.toThrow(/403/);
    await expect(connect(`?token=${host.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('carries the contract over the socket, validating each request', async () => {
    const ws = await connect(`?token=${host.token}`, { Origin: `http://127.0.0.1:${host.port}` });
    const info = await request(ws, encodeMessage({ id: 1, channel: 'app.info', payload: {} }));
    expect(info).toMatchObject({ id: 1, envelope: { ok: true, value: { adapter: 'browser-host' } } });
    const bad = await request(ws, encodeMessage({ id: 2, channel: 'studies.get', payload: { studyId: 'x' } }));
    expect(bad).toMatchObject({ id: 2, envelope: { ok: false, error: { code: 'INVALID_REQUEST' } } });
    const garbage = await request(ws, '{not json');
    expect(garbage).toMatchObject({ id: null, envelope: { ok: false, error: { code: 'INVALID_REQUEST' } } });
    ws.close();
  });

  it('pushes job events to connected sockets', async () => {
    const ws = await connect(`?token=${host.token}`);
    const folder = await tempDir('cxr-empty-');
    const events: { name: string }[] = [];
    const finished = new Promise<void>((resolve) => {
      ws.on('message', (data, isBinary) => {
        const message = decodeWire(isBinary ? (data as Buffer) : String(data)) as { type: string; event?: { name: string } };
        if (message.type === 'event') {
          events.push(message.event!);
          if (message.event!.name === 'job.finished') resolve();
        }
      });
    });
    ws.send(encodeMessage({ id: 1, channel: 'imports.start', payload: { path: folder } }));
    await finished;
    expect(events.map((e) => e.name)).toContain('job.progress');
    ws.close();
  });
});
