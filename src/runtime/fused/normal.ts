import * as tf from '@tensorflow/tfjs';
import { broadcastAll, defineFusedKernel, indexMap, runFused } from './kernel.js';

/**
 * The normal's log density and reparameterised draw as fused kernels (see kernel.ts), each with its
 * gradient as one kernel that also sums over the axes a parameter was broadcast along. With
 * z = (x - loc) / scale:
 *   log N(x; loc, scale) = -z^2 / 2 - log scale - log(2 pi) / 2,
 *   d/dx = -z / scale,  d/dloc = z / scale,  d/dscale = (z^2 - 1) / scale;
 * draw = loc + scale * eps,  d/dloc = 1,  d/dscale = eps.
 * A parameter given as a number is an attribute, not an input: no gradient is formed for it.
 */

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Which parameters are tensor inputs: the kernel's name says it (each variant saves only those). */
export interface NormalInputs {
  readonly loc: boolean;
  readonly scale: boolean;
}

export function normalLogDensityKernelName(p: NormalInputs): string {
  return `RouletteNormalLogDensity${p.loc ? 'L' : ''}${p.scale ? 'S' : ''}`;
}

const gradName = (p: NormalInputs): string => `${normalLogDensityKernelName(p)}Grad`;
const inputNames = (p: NormalInputs): string[] => ['x', ...(p.loc ? ['loc'] : []), ...(p.scale ? ['scale'] : [])];

type Attrs = Readonly<Record<string, unknown>>;
const num = (attrs: Attrs, key: string): number => attrs[key] as number;

/** Reads parameters per output element: from an input through its broadcast map, or a constant. */
function reader(values: ArrayLike<number> | undefined, map: Int32Array | null, constant: number): (i: number) => number {
  if (!values) return () => constant;
  return map ? (i) => values[map[i]!]! : (i) => values[i]!;
}

function defineLogDensity(p: NormalInputs): void {
  const names = inputNames(p);
  const locAt = p.loc ? 1 : -1;
  const scaleAt = p.scale ? names.length - 1 : -1;
  defineFusedKernel({
    name: normalLogDensityKernelName(p),
    outputShapes: (shapes) => [broadcastAll(shapes)],
    run(ins, outs, inShapes, outShapes, attrs) {
      const out = outs[0]!;
      const shape = outShapes[0]!;
      const x = reader(ins[0], indexMap(inShapes[0]!, shape), 0);
      const loc = reader(locAt < 0 ? undefined : ins[locAt], locAt < 0 ? null : indexMap(inShapes[locAt]!, shape), num(attrs, 'loc'));
      const scale = reader(scaleAt < 0 ? undefined : ins[scaleAt], scaleAt < 0 ? null : indexMap(inShapes[scaleAt]!, shape), num(attrs, 'scale'));
      for (let i = 0; i < out.length; i++) {
        const s = scale(i);
        const z = (x(i) - loc(i)) / s;
        out[i] = -0.5 * z * z - Math.log(s) - HALF_LOG_2PI;
      }
    },
  });
  // Inputs dy, then the forward's; outputs the gradient of each forward input, in its shape.
  defineFusedKernel({
    name: gradName(p),
    outputShapes: (shapes) => shapes.slice(1).map((s) => [...s]),
    run(ins, outs, inShapes, _outShapes, attrs) {
      const shape = inShapes[0]!; // dy has the forward output's shape
      const dy = ins[0]!;
      const maps = inShapes.slice(1).map((s) => indexMap(s, shape));
      for (const o of outs) o.fill(0);
      const x = reader(ins[1], maps[0]!, 0);
      const loc = reader(locAt < 0 ? undefined : ins[1 + locAt], locAt < 0 ? null : maps[locAt]!, num(attrs, 'loc'));
      const scale = reader(scaleAt < 0 ? undefined : ins[1 + scaleAt], scaleAt < 0 ? null : maps[scaleAt]!, num(attrs, 'scale'));
      const [dx, dLoc, dScale] = [outs[0]!, locAt < 0 ? undefined : outs[locAt], scaleAt < 0 ? undefined : outs[scaleAt]];
      const [mx, mLoc, mScale] = [maps[0]!, locAt < 0 ? null : maps[locAt]!, scaleAt < 0 ? null : maps[scaleAt]!];
      for (let i = 0; i < dy.length; i++) {
        const s = scale(i);
        const z = (x(i) - loc(i)) / s;
        const g = (dy[i]! * z) / s;
        dx[mx ? mx[i]! : i]! -= g;
        if (dLoc) dLoc[mLoc ? mLoc[i]! : i]! += g;
        if (dScale) dScale[mScale ? mScale[i]! : i]! += (dy[i]! * (z * z - 1)) / s;
      }
    },
  });
  tf.registerGradient({
    kernelName: normalLogDensityKernelName(p),
    inputsToSave: names,
    gradFunc: (dy, saved, attrs) => {
      const grads = runFused(gradName(p), Object.fromEntries([['dy', dy as tf.Tensor], ...names.map((n, i) => [n, saved[i]!] as const)]), attrs as Record<string, unknown>);
      return Object.fromEntries(names.map((n, i) => [n, () => grads[i]!]));
    },
  });
}

for (const loc of [false, true]) for (const scale of [false, true]) defineLogDensity({ loc, scale });

/** log N(x; loc, scale) as one kernel; `constant` holds the parameters given as numbers (not inputs). */
export function fusedNormalLogDensity(x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor, constant: { loc?: number | undefined; scale?: number | undefined }): tf.Tensor {
  const p = { loc: constant.loc === undefined, scale: constant.scale === undefined };
  const inputs: Record<string, tf.Tensor> = { x };
  if (p.loc) inputs['loc'] = loc;
  if (p.scale) inputs['scale'] = scale;
  return runFused(normalLogDensityKernelName(p), inputs, { loc: constant.loc ?? 0, scale: constant.scale ?? 1 })[0]!;
}

export const NORMAL_DRAW_KERNEL = 'RouletteNormalDraw';

defineFusedKernel({
  name: NORMAL_DRAW_KERNEL,
  outputShapes: (shapes) => [broadcastAll(shapes)],
  run(ins, outs, inShapes, outShapes) {
    const out = outs[0]!;
    const shape = outShapes[0]!;
    const loc = reader(ins[0], indexMap(inShapes[0]!, shape), 0);
    const scale = reader(ins[1], indexMap(inShapes[1]!, shape), 1);
    const eps = reader(ins[2], indexMap(inShapes[2]!, shape), 0);
    for (let i = 0; i < out.length; i++) out[i] = loc(i) + scale(i) * eps(i);
  },
});

// Inputs dy and eps; attrs the shapes of loc and scale; outputs d/dloc and d/dscale in those shapes.
defineFusedKernel({
  name: `${NORMAL_DRAW_KERNEL}Grad`,
  outputShapes: (_shapes, attrs) => [[...(attrs['locShape'] as number[])], [...(attrs['scaleShape'] as number[])]],
  run(ins, outs, inShapes, outShapes) {
    const shape = inShapes[0]!;
    const dy = ins[0]!;
    const eps = reader(ins[1], indexMap(inShapes[1]!, shape), 0);
    const [dLoc, dScale] = outs as [Float32Array, Float32Array];
    const mLoc = indexMap(outShapes[0]!, shape);
    const mScale = indexMap(outShapes[1]!, shape);
    dLoc.fill(0);
    dScale.fill(0);
    for (let i = 0; i < dy.length; i++) {
      dLoc[mLoc ? mLoc[i]! : i]! += dy[i]!;
      dScale[mScale ? mScale[i]! : i]! += dy[i]! * eps(i);
    }
  },
});

tf.registerGradient({
  kernelName: NORMAL_DRAW_KERNEL,
  inputsToSave: ['eps'],
  gradFunc: (dy, saved, attrs) => {
    const [dLoc, dScale] = runFused(`${NORMAL_DRAW_KERNEL}Grad`, { dy: dy as tf.Tensor, eps: saved[0]! }, attrs as Record<string, unknown>);
    // The noise is drawn, never learnt: its gradient is not asked for.
    return { loc: () => dLoc!, scale: () => dScale!, eps: () => tf.zerosLike(saved[0]!) };
  },
});

/** loc + scale * eps as one kernel. */
export function fusedNormalDraw(loc: tf.Tensor, scale: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return runFused(NORMAL_DRAW_KERNEL, { loc, scale, eps }, { locShape: loc.shape, scaleShape: scale.shape })[0]!;
}
