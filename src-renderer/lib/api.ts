import type { ApiMethod } from '@shared/ipc/channels';
import type { ErrorCode } from '@shared/ipc/errors';
import type { AppEvent } from '@shared/ipc/contract';
import type { WindowApi } from '@shared/ipc/window-api';

/** A failed request, with the stable code main gave it and a message fit to show a person. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'NO_BRIDGE',
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type ResultOf<M extends ApiMethod> =
  Awaited<ReturnType<WindowApi[M]>> extends { ok: true; value: infer T } | { ok: false } ? T : never;

function bridge(): WindowApi {
  if (!window.api) {
    throw new ApiError('NO_BRIDGE', 'This page was opened outside CXR Triage, so it cannot reach the application.');
  }
  return window.api;
}

/** Calls one contract method and unwraps its envelope: resolves with the value or throws ApiError. */
export async function call<M extends ApiMethod>(
  method: M,
  ...request: Parameters<WindowApi[M]>
): Promise<ResultOf<M>> {
  const fn = bridge()[method] as (...args: unknown[]) => Promise<unknown>;
  const envelope = (await fn(...request)) as { ok: true; value: ResultOf<M> } | { ok: false; error: { code: ErrorCode; message: string } };
  if (envelope.ok) return envelope.value;
  throw new ApiError(envelope.error.code, envelope.error.message);
}

export function onAppEvent(listener: (event: AppEvent) => void): () => void {
  return bridge().onEvent(listener);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
