/** Minutes matter for "time waiting" and the aging rule; a 30-second tick keeps both honest. */
const TICK_MS = 30_000;

class Clock {
  now = $state(Date.now());

  constructor() {
    setInterval(() => (this.now = Date.now()), TICK_MS);
  }
}

export const clock = new Clock();
