/** A problem with the user's data that the user can fix (shown to them as is, not as a crash). */
export class PneumoniaDataError extends Error {
  override readonly name = 'PneumoniaDataError';
}
