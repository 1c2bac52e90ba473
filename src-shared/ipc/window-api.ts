/**
 * The shape of `window.api` and the one function that builds it over a transport. The Electron
 * preload and the browser host's bridge both call `createWindowApi`, so the renderer sees the
 * same object whichever adapter is behind it.
 */
import { API_METHODS, EVENT_NAMES, isChannel, type ApiMethod, type Channel } from './channels';
import type { Envelope } from './errors';
import type { AppEvent, RequestOf, ResponseOf } from './contract';

export interface Transport {
  invoke(channel: Channel, payload: unknown): Promise<unknown>;
  /** Delivers raw event messages; returns an unsubscribe function. */
  subscribe(listener: (event: unknown) => void): () => void;
}

type MethodFor<C extends Channel> = {} extends RequestOf<C>
  ? (request?: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>
  : (request: RequestOf<C>) => Promise<Envelope<ResponseOf<C>>>;

export type WindowApi = { [M in ApiMethod]: MethodFor<(typeof API_METHODS)[M]> } & {
  onEvent(listener: (event: AppEvent) => void): () => void;
};

function isKnownEvent(value: unknown): value is AppEvent {
  if (typeof value !== 'object' || value === null) return false;
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

export function createWindowApi(transport: Transport): WindowApi {
  const api: Record<string, unknown> = {};
  for (const [method, channel] of Object.entries(API_METHODS)) {
    if (!isChannel(channel)) continue;
    api[method] = (request: unknown = {}) => transport.invoke(channel, request);
  }
  api.onEvent = (listener: (event: AppEvent) => void) =>
    transport.subscribe((event) => {
      if (isKnownEvent(event)) listener(event);
    });
  return api as WindowApi;
}
