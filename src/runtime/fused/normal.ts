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

/** Element i of `values` read through its broadcast map (null: the same shape), or `constant` without values. */
const at = (values: ArrayLike<number> | undefined, map: Int32Array | null, i: number, constant: number): number =>
  values ? values[map ? map[i]! : i]! : constant;

function defineLogDensity(p: NormalInputs): void {
  const names = inputNames(p);
  const locAt = p.loc ? 1 : -1;
  const scaleAt = p.scale ? names.length - 1 : -1;
  defineFusedKernel({
    name: normalLogDensityKernelName(p),
    outputShapes: (shapes) => [broadcastAll(shapes)],
    prepare(inShapes, outShapes, attrs) {
      const shape = outShapes[0]!;
      const [mx, mLoc, mScale] = [indexMap(inShapes[0]!, shape), locAt < 0 ? null : indexMap(inShapes[locAt]!, shape), scaleAt < 0 ? null : indexMap(inShapes[scaleAt]!, shape)];
      const [locConstant, scaleConstant] = [num(attrs, 'loc'), num(attrs, 'scale')];
      return (ins, outs) => {
        const out = outs[0]!;
        const x = ins[0]!;
        const [loc, scale] = [locAt < 0 ? undefined : ins[locAt], scaleAt < 0 ? undefined : ins[scaleAt]];
        for (let i = 0; i < out.length; i++) {
          const s = at(scale, mScale, i, scaleConstant);
          const z = (x[mx ? mx[i]! : i]! - at(loc, mLoc, i, locConstant)) / s;
          out[i] = -0.5 * z * z - Math.log(s) - HALF_LOG_2PI;
        }
      };
    },
  });
  // Inputs dy, then the forward's; outputs the gradient of each forward input, in its shape.
  defineFusedKernel({
    name: gradName(p),
    outputShapes: (shapes) => shapes.slice(1).map((s) => [...s]),
    prepare(inShapes, _outShapes, attrs) {
      const shape = inShapes[0]!; // dy has the forward output's shape
      const maps = inShapes.slice(1).map((sh) => indexMap(sh, shape));
      const [mx, mLoc, mScale] = [maps[0]!, locAt < 0 ? null : maps[locAt]!, scaleAt < 0 ? null : maps[scaleAt]!];
      const [locConstant, scaleConstant] = [num(attrs, 'loc'), num(attrs, 'scale')];
      return (ins, outs) => {
        const dy = ins[0]!;
        const x = ins[1]!;
        const [loc, scale] = [locAt < 0 ? undefined : ins[1 + locAt], scaleAt < 0 ? undefined : ins[1 + scaleAt]];
        for (const o of outs) o.fill(0);
        const [dx, dLoc, dScale] = [outs[0]!, locAt < 0 ? undefined : outs[locAt], scaleAt < 0 ? undefined : outs[scaleAt]];
        for (let i = 0; i < dy.length; i++) {
          const s = at(scale, mScale, i, scaleConstant);
          const z = (x[mx ? mx[i]! : i]! - at(loc, mLoc, i, locConstant)) / s;
          const g = (dy[i]! * z) / s;
          dx[mx ? mx[i]! : i]! -= g;
          if (dLoc) dLoc[mLoc ? mLoc[i]! : i]! += g;
          if (dScale) dScale[mScale ? mScale[i]! : i]! += (dy[i]! * (z * z - 1)) / s;
        }
      };
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
  prepare(inShapes, outShapes) {
    const shape = outShapes[0]!;
    const [mLoc, mScale, mEps] = inShapes.map((sh) => indexMap(sh, shape)) as [Int32Array | null, Int32Array | null, Int32Array | null];
    return (ins, outs) => {
      const out = outs[0]!;
      const [loc, scale, eps] = ins as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
      for (let i = 0; i < out.length; i++) out[i] = at(loc, mLoc, i, 0) + at(scale, mScale, i, 1) * at(eps, mEps, i, 0);
    };
  },
});

// Inputs dy and eps; attrs the shapes of loc and scale; outputs d/dloc and d/dscale in those shapes.
defineFusedKernel({
  name: `${NORMAL_DRAW_KERNEL}Grad`,
  outputShapes: (_shapes, attrs) => [[...(attrs['locShape'] as number[])], [...(attrs['scaleShape'] as number[])]],
  prepare(inShapes, outShapes) {
    const shape = inShapes[0]!;
    const [mEps, mLoc, mScale] = [indexMap(inShapes[1]!, shape), indexMap(outShapes[0]!, shape), indexMap(outShapes[1]!, shape)];
    return (ins, outs) => {
      const [dy, eps] = ins as [ArrayLike<number>, ArrayLike<number>];
      const [dLoc, dScale] = outs as [Float32Array, Float32Array];
      dLoc.fill(0);
      dScale.fill(0);
      for (let i = 0; i < dy.length; i++) {
        dLoc[mLoc ? mLoc[i]! : i]! += dy[i]!;
        dScale[mScale ? mScale[i]! : i]! += dy[i]! * at(eps, mEps, i, 0);
      }
    };
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
