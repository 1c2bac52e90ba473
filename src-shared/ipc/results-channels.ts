/**
 * The results domain's channel names and the `window.api` methods for them (no schema code, so the
 * sandboxed preload can import it): spread into API_METHODS in channels.ts.
 */
export const RESULTS_API_METHODS = {
  getResultSettings: 'results.settings.get',
  updateResultSettings: 'results.settings.update',
  listOutbox: 'results.outbox.list',
  retryOutbox: 'results.outbox.retry',
  sendStudyResult: 'results.send',
} as const;
