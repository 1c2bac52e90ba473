import { errorMessage } from './api';

/** A screen's state that runs one request at a time: `busy` disables its buttons, `error` says what failed. */
export class BusyState {
  error = $state<string | null>(null);
  busy = $state(false);

  protected async act(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await work();
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.busy = false;
    }
  }
}
