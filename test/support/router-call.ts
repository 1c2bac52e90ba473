import type { Router } from '../../src-main/services/api/router';

/** Dispatches a request as an adapter would and returns the value, or throws `CODE: message`. */
export async function dispatchOk<T>(router: Router, channel: string, payload: unknown = {}): Promise<T> {
  const result = await router.dispatch(channel, payload);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}
