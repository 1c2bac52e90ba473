/** Thrown by query/retrieve work whose AbortSignal fired: the caller asked for it, so it is not a failure. */
export class Cancelled extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'Cancelled';
  }
}
