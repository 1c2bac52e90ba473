/**
 * Runs in the browser, before the renderer, when the browser host serves the app: it builds the
 * same `window.api` the Electron preload exposes, over the host's WebSocket.
 */
import { createWindowApi, type Transport } from '@shared/ipc/window-api';
import type { Envelope } from '@shared/ipc/errors';
import { HOST_SOCKET_PATH, decodeWire, encodeMessage, type WireMessage } from '@shared/ipc/wire-codec';

const TOKEN_KEY = 'cxr-triage-host-token';

function takeToken(): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    // Keep the token out of the address bar, bookmarks and screenshots.
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function failed(message: string): Envelope<never> {
  return { ok: false, error: { code: 'DISCONNECTED', message } };
}

function createSocketTransport(token: string | null): Transport {
  const pending = new Map<number, (envelope: unknown) => void>();
  const listeners = new Set<(event: unknown) => void>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;
  let retryMs = 250;

  function connect(): Promise<WebSocket> {
    if (opened) return opened;
    opened = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${location.host}${HOST_SOCKET_PATH}?token=${encodeURIComponent(token ?? '')}`);
      // Frames and thumbnails come as binary messages (wire-codec.ts): as ArrayBuffers, viewed in place.
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        socket = ws;
        retryMs = 250;
        resolve(ws);
      };
      ws.onmessage = (message) => {
        const data = decodeWire(message.data as string | ArrayBuffer) as WireMessage;
        if (data.type === 'event') listeners.forEach((listener) => listener(data.event));
        else if (data.type === 'response' && data.id !== null) {
          pending.get(data.id)?.(data.envelope);
          pending.delete(data.id);
        }
      };
      ws.onclose = () => {
        const wasOpen = socket === ws;
        socket = null;
        opened = null;
        for (const resolvePending of pending.values()) {
          resolvePending(failed('The connection to CXR Triage was lost; the request may not have completed.'));
        }
        pending.clear();
        if (!wasOpen) reject(new Error('refused'));
        // Keep event subscribers connected across a host restart.
        else if (listeners.size > 0) setTimeout(() => void connect().catch(() => undefined), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    });
    return opened;
  }

  return {
    async invoke(channel, payload) {
      if (!token) {
        return failed('This page needs the address printed by `npm run serve` (it carries the access token).');
      }
      let ws: WebSocket;
      try {
        ws = socket ?? (await connect());
      } catch {
        return failed('Cannot reach CXR Triage: the host refused the connection or is not running.');
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(encodeMessage({ id, channel, payload }));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      if (token) void connect().catch(() => undefined);
      return () => listeners.delete(listener);
    },
  };
}

window.api = createWindowApi(createSocketTransport(takeToken()));
