import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { HOST_SOCKET_PATH, decodeMessage, encodeWire, type WireMessage } from '@shared/ipc/wire-codec';
import type { AppServices } from '../services/app/app-services';
import { createHandlers } from '../services/api/handlers';
import { createRouter } from '../services/api/router';
import { APP_VERSION } from '../services/app/version';
import { contentTypeFor, readIndexHtml, resolveStaticPath } from './static-files';

export const LOOPBACK = '127.0.0.1';
/** One request; larger files travel as chunked uploads (uploads.* channels). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Replies and events queued for a client that does not read them; past this it is dropped. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/**
 * Requests one socket may have in progress; past this the host stops reading from it, so a client
 * that floods requests is slowed by TCP instead of making the host hold all their replies at once.
 */
const MAX_IN_FLIGHT = 8;
/** Close code for a client too slow to keep up (RFC 6455: policy violation). */
const CLOSE_TOO_SLOW = 1008;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self' ws://127.0.0.1:*; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface HostOptions {
  services: AppServices;
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
}

export interface RunningHost {
  url: string;
  /** The address to open, token included (in the fragment, so it never reaches a server log). */
  launchUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The browser host: serves the built renderer and carries the IPC contract over a WebSocket.
 * It listens on 127.0.0.1 only, and a socket must present this launch's random token and come
 * from this origin, so neither another local user's page nor a DNS-rebinding site can drive it.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const router = createRouter(createHandlers(options.services, { adapter: 'browser-host', version: APP_VERSION }));
  const sockets = new Set<WebSocket>();
  let port = 0;
  const allowedHosts = () => new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);

  const server = http.createServer((request, response) => {
    void serveStatic(options.rendererDir, request, response, allowedHosts());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const hosts = allowedHosts();
    const origin = request.headers.origin;
    const originOk = origin === undefined || [...hosts].some((h) => origin === `http://${h}`);
    if (
      url.pathname !== HOST_SOCKET_PATH ||
      !hosts.has(request.headers.host ?? '') ||
      !originOk ||
      !tokenMatches(url.searchParams.get('token'), token)
    ) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // An oversize or malformed frame: ws has already closed this socket (1009, 1002...); without a
    // listener the 'error' event would end the whole process.
    ws.on('error', () => ws.terminate());
    // Requests waiting for a free slot: only what was already read when reading paused.
    const waiting: (string | null)[] = [];
    let inFlight = 0;
    const pump = () => {
      while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
        inFlight += 1;
        void answer(ws, waiting.shift()!).finally(() => {
          inFlight -= 1;
          pump();
        });
      }
      if (waiting.length > 0) ws.pause();
      else if (ws.isPaused) ws.resume();
    };
    ws.on('message', (data, isBinary) => {
      waiting.push(isBinary ? null : data.toString());
      pump();
    });
  });

  async function answer(ws: WebSocket, text: string | null): Promise<void> {
    if (!keepsUp(ws)) return;
    let id: number | null = null;
    let envelope;
    try {
      const message = text === null ? null : decodeMessage(text);
      if (typeof message !== 'object' || message === null || typeof (message as { id?: unknown }).id !== 'number') {
        throw new Error('malformed');
      }
      const request = message as { id: number; channel?: unknown; payload?: unknown };
      id = request.id;
      envelope = await router.dispatch(request.channel, request.payload);
    } catch {
      envelope = {
        ok: false,
        error: { code: 'INVALID_REQUEST', message: 'The message is not a valid request ({ id, channel, payload } as JSON).' },
      };
    }
    send(ws, { type: 'response', id, envelope });
  }

  /** False, and the socket dropped, once a client has left more than MAX_BUFFERED_BYTES unread. */
  function keepsUp(ws: WebSocket): boolean {
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount <= MAX_BUFFERED_BYTES) return true;
    // The close frame would wait behind everything queued, so the socket is also cut shortly after.
    ws.close(CLOSE_TOO_SLOW, 'Client too slow: messages are not being read.');
    setTimeout(() => ws.terminate(), 1000).unref();
    return false;
  }

  function send(ws: WebSocket, message: WireMessage): void {
    if (keepsUp(ws)) ws.send(encodeWire(message));
  }

  const unsubscribe = options.services.jobs.onEvent((event) => {
    for (const ws of sockets) send(ws, { type: 'event', event });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK}:${port}/`;

  return {
    url,
    launchUrl: `${url}#token=${token}`,
    token,
    port,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function serveStatic(
  rendererDir: string,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  hosts: Set<string>,
): Promise<void> {
  if (!hosts.has(request.headers.host ?? '')) {
    response.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const urlPath = new URL(request.url ?? '/', 'http://placeholder').pathname;
  try {
    if (urlPath === '/' || urlPath === '/index.html') {
      const html = await readIndexHtml(rendererDir);
      response
        .writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor('index.html'), 'Cache-Control': 'no-store' })
        .end(request.method === 'HEAD' ? undefined : html);
      return;
    }
    const file = resolveStaticPath(rendererDir, urlPath);
    if (!file) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
    const body = await readFile(file);
    response
      .writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(file) })
      .end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const missing = ['ENOENT', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
    response
      .writeHead(missing ? 404 : 500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain' })
      .end(missing ? 'Not found' : 'Server error');
  }
}
