/** A problem with what the user asked for (a form field, the data a model reads): shown, not logged. */
export class PlaygroundError extends Error {
  override name = 'PlaygroundError';
}
