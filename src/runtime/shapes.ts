/** Broadcast shapes from the right (a 1 stretches to any size); undefined when they are incompatible. */
export function broadcastShapes(...shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 1; i <= s.length; i++) {
      const d = s[s.length - i]!;
      const at = rank - i;
      if (d === 1) continue;
      if (out[at] !== 1 && out[at] !== d) return undefined;
      out[at] = d;
    }
  }
  return out;
}

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Left-pad `shape` with 1s to `rank`. */
export function padLeft(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(Math.max(0, rank - shape.length)).fill(1), ...shape];
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
