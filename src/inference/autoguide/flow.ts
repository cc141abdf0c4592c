import * as tf from '@tensorflow/tfjs';
import { param } from '../../dsl/primitives.js';
import { positive, real } from '../../runtime/constraints.js';
import { CouplingFlow, type CouplingLayer } from './coupling.js';
import { existing, jointParam, sliceSize, type JointLaw } from './joint.js';
import { zeroOutputMlp } from './mlp.js';
import { fromHost, transformOf, type LatentSite } from './site.js';

export interface FlowOptions {
  /** Coupling layers (default 4; none when there is a single latent coordinate). */
  readonly layers?: number;
  /** Hidden sizes of each layer's network (tanh), default [32]. */
  readonly hidden?: readonly number[];
}

/**
 * The `flow` family: u = loc + scale * couplings(eps), eps ~ N(0, I), over all latents' unconstrained
 * coordinates: affine coupling layers (`auto.flow.<i>.<layer>.*`, alternating which coordinates, even
 * or odd, condition the others) followed by a per-coordinate affine map (`auto.loc.<site>`,
 * `auto.scale.<site>`). The layers start as the identity, so the flow starts as the `normal` family.
 */
export function flowLaw(
  prefix: string,
  sites: readonly LatentSite[],
  initScale: number,
  options: FlowOptions,
): (read?: typeof existing) => JointLaw {
  const dim = sites.reduce((n, s) => n + sliceSize(s), 0);
  const count = dim < 2 ? 0 : (options.layers ?? 4);
  const hidden = options.hidden ?? [32];
  const parity = (p: number): number[] => Array.from({ length: dim }, (_, i) => i).filter((i) => i % 2 === p);
  const layers: CouplingLayer[] = Array.from({ length: count }, (_, i) => {
    const keep = parity(i % 2);
    const change = parity(1 - (i % 2));
    return { keep, change, net: zeroOutputMlp(`${prefix}.flow.${i}`, [keep.length, ...hidden, 2 * change.length]) };
  });
  return (read) => {
    const get: typeof existing = read ?? ((name, init, c) => param(name, init, { constraint: c }));
    const loc = jointParam(prefix, 'loc', sites, real, (s) => transformOf(s).inverse(fromHost(s.init!)), get);
    const scale = jointParam(prefix, 'scale', sites, positive, (s) => tf.fill([...s.paramBatch, ...s.unconstrainedEvent], initScale), get);
    const flow = new CouplingFlow(loc, scale, layers);
    return { law: () => flow, centre: () => flow.push(tf.zerosLike(loc)) };
  };
}
