import { describe, expect, it } from 'vitest';
import { hmc, mcmc, nuts, type Kernel, type McmcResult } from '../../../src/inference/index.js';
import { drawMomentum, hamiltonian, type Needs, type PhasePoint, type Point } from '../../../src/inference/mcmc/integrator.js';
import type { Stream } from '../../../src/runtime/rng.js';
import { correlatedGaussian, covariance, DIM, MEAN } from '../../helpers/correlated-gaussian.js';

/**
 * NUTS on a 100-d correlated Gaussian: the draws' mean, variances and lag-one covariances, each
 * against its exact value in units of its Monte Carlo s.e. (from the spread of the independent chains), combined into
 * aggregate statistics; an HMC kernel whose leapfrog drops the last half kick (no longer
 * reversible, so Metropolis no longer corrects it) fails the same check.
 */

/** The series f(draw) per chain. */
function seriesOf(fit: McmcResult, f: (draw: Float32Array, at: number) => number): Float64Array[] {
  const x = fit.sites[0]!.values;
  return Array.from({ length: fit.chains }, (_, c) => Float64Array.from({ length: fit.draws }, (_, t) => f(x, (c * fit.draws + t) * DIM)));
}

function meanOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** (mean - exact) / s.e. with the s.e. from the spread of the independent chains' own means: a t with C - 1 dof. */
function batchT(chains: Float64Array[], exact: number): number {
  const perChain = chains.map(meanOf);
  const mean = meanOf(perChain);
  const variance = perChain.reduce((a, b) => a + (b - mean) ** 2, 0) / (perChain.length - 1);
  return (mean - exact) / Math.sqrt(variance / perChain.length);
}

/**
 * The means, variances and lag-one covariances: t-scores between the 16 independent chains, whose mean
 * square must stay below E t^2 = 15/13 plus 4 of its sds (1.84 / sqrt(n / 3) for n scores, allowing for
 * neighbours' correlation). ESS-based errors were too small at these chain lengths: for the squared
 * series their chi-square came out 1.4-1.7x its degrees of freedom for HMC and NUTS alike, and for HMC's
 * means 1.1-2.2x (over 16 seeds, failing the chi-square(100) 99.9% point at 11 of them).
 */
function withinMonteCarloError(fit: McmcResult): { ok: boolean; means: number; meanBound: number; secondMoments: number; secondBound: number } {
  const meanT: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < DIM; i++) {
    meanT.push(batchT(seriesOf(fit, (x, at) => x[at + i]!), MEAN[i]!));
    t.push(batchT(seriesOf(fit, (x, at) => (x[at + i]! - MEAN[i]!) ** 2), covariance(i, i)));
    if (i + 1 < DIM) t.push(batchT(seriesOf(fit, (x, at) => (x[at + i]! - MEAN[i]!) * (x[at + i + 1]! - MEAN[i + 1]!)), covariance(i, i + 1)));
  }
  const dof = fit.chains - 1;
  const expected = dof / (dof - 2);
  const sdOne = Math.sqrt((3 * dof * dof) / ((dof - 2) * (dof - 4)) - expected ** 2);
  const meanSquare = (scores: number[]): number => scores.reduce((a, b) => a + b * b, 0) / scores.length;
  const bound = (n: number): number => expected + (4 * sdOne) / Math.sqrt(n / 3);
  const means = meanSquare(meanT);
  const secondMoments = meanSquare(t);
  const meanBound = bound(meanT.length);
  const secondBound = bound(t.length);
  return { ok: means < meanBound && secondMoments < secondBound, means, meanBound, secondMoments, secondBound };
}

/** HMC whose leapfrog omits the final half kick: volume-preserving but not reversible. */
function* brokenLeapfrog(z: PhasePoint, eps: number, inverseMass: Float64Array): Needs<PhasePoint> {
  const half = z.p.map((p, i) => p + 0.5 * eps * z.point.gradient[i]!);
  const point: Point = yield z.point.q.map((q, i) => q + eps * inverseMass[i]! * half[i]!);
  return { point, p: half };
}

function* brokenTransition(point: Point, eps: number, inverseMass: Float64Array, rng: Stream): Needs<import('../../../src/inference/mcmc/hmc.js').Transition> {
  const z0 = { point, p: drawMomentum(() => rng.normal(), inverseMass) };
  let z = z0;
  for (let i = 0; i < 10; i++) z = yield* brokenLeapfrog(z, eps, inverseMass);
  const accept = Math.min(1, Math.exp(hamiltonian(z0, inverseMass) - hamiltonian(z, inverseMass)));
  const moved = rng.uniform() < accept;
  return { point: moved ? z.point : point, acceptStat: accept, steps: 10, divergent: false, treeDepth: 0, energy: hamiltonian(moved ? z : z0, inverseMass) };
}

describe('MCMC on a 100-d correlated Gaussian', () => {
  it('NUTS: means, variances and lag-one covariances within Monte Carlo error (between-chain t for 100 means and 199 second moments)', async () => {
    const fit = await mcmc(correlatedGaussian, nuts(), { chains: 16, warmup: 150, draws: 100, seed: 2 }).runAsync();
    const check = withinMonteCarloError(fit);
    expect(check.ok, JSON.stringify(check)).toBe(true);
    expect(fit.divergences).toBe(0);
    expect(fit.sites[0]!.shape).toEqual([DIM]);
  });

  it('an HMC leapfrog without its last half kick fails the same check', async () => {
    const broken: Kernel = { ...hmc({ steps: 10 }), transition: brokenTransition };
    const fit = await mcmc(correlatedGaussian, broken, { chains: 16, warmup: 150, draws: 100, seed: 2 }).runAsync();
    const check = withinMonteCarloError(fit);
    expect(check.ok, JSON.stringify(check)).toBe(false);
  });

  it('the correct HMC kernel passes it', async () => {
    const fit = await mcmc(correlatedGaussian, hmc({ steps: 10 }), { chains: 16, warmup: 150, draws: 100, seed: 2 }).runAsync();
    const check = withinMonteCarloError(fit);
    expect(check.ok, JSON.stringify(check)).toBe(true);
  });
});
