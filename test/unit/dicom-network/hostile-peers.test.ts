import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAppServices, type AppServices } from '../../../src-main/services/app/app-services';
import { runTool, stopChildren } from '../../support/dicom-tools';
import { tempDir } from '../../support/fixtures';
import { requireSharedData } from '../../support/shared-data';
import { storescu } from '../../support/storescu';

/**
 * Hostile or broken byte streams on the node's port: none may take the process down, hold memory,
 * or keep an honest sender out. Every case ends with dcmtk still storing and echoing.
 */
const IDLE_MS = 1_500;
let services: AppServices;
let port: number;
const sample = path.join(requireSharedData('dicom'), 'pydicom_test_files/dicomdirtests_CR/CR1_6154.dcm');
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

beforeAll(async () => {
  services = openAppServices(await tempDir('cxr-hostile-'), { dicomNode: { idleMs: IDLE_MS }, startDicomNode: false });
  const status = await services.dicomNode.start({
    enabled: true,
    aeTitle: 'CXRTRIAGE',
    port: 0,
    bindAddress: '127.0.0.1',
    allowedPeers: [{ aeTitle: 'STORESCU', host: '127.0.0.1' }, { aeTitle: 'ECHOSCU', host: '127.0.0.1' }, { aeTitle: 'FUZZER', host: '127.0.0.1' }],
  });
  port = status.port;
});
afterEach(async () => stopChildren());
afterAll(async () => services.close());

/** Opens a connection, sends the bytes, and resolves with how long the node took to close it (ms), or null if it stayed open. */
function sendAndWatch(bytes: Buffer, waitMs: number): Promise<{ closedAfterMs: number | null; received: Buffer }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedAfterMs: closed ? Date.now() - started : null, received: Buffer.concat(chunks) });
    };
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    const timer = setTimeout(() => finish(false), waitMs);
  });
}

function aeField(title: string): Buffer {
  return Buffer.from(title.padEnd(16, ' '), 'latin1');
}

function item(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** A well-formed A-ASSOCIATE-RQ proposing verification. */
function associateRequest(calling = 'FUZZER'): Buffer {
  const presentation = item(
    0x20,
    Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x30, Buffer.from('1.2.840.10008.1.1', 'latin1')), item(0x40, Buffer.from(EXPLICIT_LE, 'latin1'))]),
  );
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384);
  const body = Buffer.concat([
    Buffer.from([0, 1, 0, 0]),
    aeField('CXRTRIAGE'),
    aeField(calling),
    Buffer.alloc(32),
    item(0x10, Buffer.from('1.2.840.10008.3.1.1.1', 'latin1')),
    presentation,
    item(0x50, item(0x51, maxLength)),
  ]);
  return pdu(0x01, body);
}

function pdu(type: number, body: Buffer, claimedLength = body.length): Buffer {
  const header = Buffer.alloc(6);
  header[0] = type;
  header.writeUInt32BE(claimedLength, 2);
  return Buffer.concat([header, body]);
}

async function honestSendersStillServed(): Promise<void> {
  const echo = await runTool('echoscu', ['-aet', 'ECHOSCU', '-aec', 'CXRTRIAGE', '127.0.0.1', String(port)], 30_000);
  expect(echo.code, echo.stderr).toBe(0);
  const store = await storescu({ port }, [sample], EXPLICIT_LE);
  expect(store.code, store.stderr).toBe(0);
  expect(services.dicomNode.status().state).toBe('listening');
}

describe('hostile peers', () => {
  it('closes a connection that sends random bytes at once', async () => {
    const { closedAfterMs } = await sendAndWatch(randomBytes(64 * 1024), 5_000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(IDLE_MS);
    await honestSendersStillServed();
  });

  it('closes a connection whose PDU claims gigabytes, before buffering it', async () => {
    const { closedAfterMs } = await sendAndWatch(pdu(0x01, randomBytes(1000), 0xfffffff0), 5_000);
    expect(closedAfterMs!).toBeLessThan(IDLE_MS);
  });

  it('closes a connection that starts with data instead of an association request', async () => {
    const { closedAfterMs } = await sendAndWatch(pdu(0x04, randomBytes(200)), 5_000);
    expect(closedAfterMs!).toBeLessThan(IDLE_MS);
  });

  it('closes a truncated PDU after the idle time', async () => {
    const full = associateRequest();
    const { closedAfterMs } = await sendAndWatch(full.subarray(0, 40), 10_000);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(closedAfterMs!).toBeLessThan(IDLE_MS + 2_500);
  });

  it('closes an association that never ends after the idle time', async () => {
    const { closedAfterMs, received } = await sendAndWatch(associateRequest(), 10_000);
    expect(received[0]).toBe(0x02); // it was accepted (A-ASSOCIATE-AC) ...
    expect(closedAfterMs!).toBeGreaterThanOrEqual(IDLE_MS - 100); // ... and closed once idle
    expect(closedAfterMs!).toBeLessThan(IDLE_MS + 2_500);
  });

  it('closes an association that sends a malformed P-DATA PDU', async () => {
    // A PDV claiming far more bytes than its PDU holds.
    const pdv = Buffer.alloc(10);
    pdv.writeUInt32BE(0x00ffffff, 0);
    pdv[4] = 1;
    pdv[5] = 0x03;
    const { closedAfterMs } = await sendAndWatch(Buffer.concat([associateRequest(), pdu(0x04, pdv)]), 5_000);
    expect(closedAfterMs!).toBeLessThan(IDLE_MS);
    await honestSendersStillServed();
  });

  it('closes a refused association that keeps sending', async () => {
    const { closedAfterMs, received } = await sendAndWatch(Buffer.concat([associateRequest('STRANGER'), associateRequest('STRANGER')]), 5_000);
    expect(received[0]).toBe(0x03); // A-ASSOCIATE-RJ
    expect(closedAfterMs!).toBeLessThan(IDLE_MS);
  });

  it('keeps serving honest senders while 100 connections hang open, and closes those when idle', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(port, '127.0.0.1', () => {
              // Half send a partial association request, half an association and then nothing.
              socket.write(i % 2 === 0 ? associateRequest().subarray(0, 30) : associateRequest());
              resolve(socket);
            });
            socket.on('error', () => undefined);
            // Read what the node answers, or 'close' never comes.
            socket.resume();
          }),
      ),
    );
    const closed = sockets.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(services.dicomNode.status().activeAssociations).toBeGreaterThanOrEqual(100);
    await honestSendersStillServed();
    await Promise.all(closed);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(services.dicomNode.status().activeAssociations).toBe(0);
  });

  it('recorded each hostile connection in the audit, without data', async () => {
    const outcomes = services.audit.recent(500, { action: 'dicom.association' }).map((e) => (e.details as { outcome: string }).outcome);
    expect(outcomes.some((o) => o.startsWith('closed by the node: unknown PDU type'))).toBe(true);
    expect(outcomes.some((o) => o.startsWith('closed by the node: a PDU of'))).toBe(true);
    expect(outcomes.some((o) => o.startsWith('closed by the node: no complete PDU'))).toBe(true);
    expect(outcomes).toContain('closed by the node: protocol error');
  });
});
