import { fail } from '../../runtime/errors.js';
import type { Stream } from '../../runtime/rng.js';
import { hmcTransition, type Transition } from './hmc.js';
import type { Needs, Point } from './integrator.js';
import { nutsTransition } from './nuts.js';

/** Options both kernels share: step size and its adaptation, the mass matrix. */
export interface KernelOptions {
  /** The initial step size (default: found by Stan's heuristic from 1). */
  readonly stepSize?: number;
  /** Adapt the step size by dual averaging during warm-up (default true). */
  readonly adaptStepSize?: boolean;
  /** The acceptance statistic the step size is tuned to (default 0.8). */
  readonly targetAccept?: number;
  /** Adapt a diagonal inverse mass matrix in Stan's windows during warm-up (default true). */
  readonly adaptMass?: boolean;
}

export interface HmcOptions extends KernelOptions {
  /** Leapfrog steps per transition (default 10). */
  readonly steps?: number;
}

export interface NutsOptions extends KernelOptions {
  /** At most 2^maxTreeDepth - 1 leapfrog steps per transition (default 10). */
  readonly maxTreeDepth?: number;
}

/** A transition kernel over the unconstrained latents: plain settings, run by `mcmc`. */
export interface Kernel {
  readonly name: 'hmc' | 'nuts';
  readonly stepSize: number | undefined;
  readonly adaptStepSize: boolean;
  readonly targetAccept: number;
  readonly adaptMass: boolean;
  /** HMC's steps, or NUTS's maximum tree depth. */
  readonly steps: number;
  readonly maxTreeDepth: number;
  transition(point: Point, eps: number, inverseMass: Float64Array, rng: Stream): Needs<Transition>;
}

const KNOWN: Record<'hmc' | 'nuts', readonly string[]> = {
  hmc: ['stepSize', 'adaptStepSize', 'targetAccept', 'adaptMass', 'steps'],
  nuts: ['stepSize', 'adaptStepSize', 'targetAccept', 'adaptMass', 'maxTreeDepth'],
};

function checkOptions(name: 'hmc' | 'nuts', options: object): void {
  if (options === null || typeof options !== 'object') fail('invalid-argument', `${name}(options): options must be an object, got ${String(options)}`, name);
  for (const key of Object.keys(options)) {
    if (!KNOWN[name].includes(key)) fail('invalid-argument', `${name}: unknown option '${key}' (options: ${KNOWN[name].join(', ')})`, `${name}.${key}`);
  }
  const o = options as Record<string, unknown>;
  const positive = (key: string): void => {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail('invalid-argument', `${name}: ${key} must be a positive finite number, got ${String(v)}`, `${name}.${key}`);
  };
  const integer = (key: string, max: number): void => {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max)) fail('invalid-argument', `${name}: ${key} must be an integer from 1 to ${max}, got ${String(v)}`, `${name}.${key}`);
  };
  const flag = (key: string): void => {
    const v = o[key];
    if (v !== undefined && typeof v !== 'boolean') fail('invalid-argument', `${name}: ${key} must be true or false, got ${String(v)}`, `${name}.${key}`);
  };
  positive('stepSize');
  integer('steps', 100000);
  integer('maxTreeDepth', 30);
  flag('adaptStepSize');
  flag('adaptMass');
  const t = o['targetAccept'];
  if (t !== undefined && !(typeof t === 'number' && t > 0 && t < 1)) fail('invalid-argument', `${name}: targetAccept must lie strictly between 0 and 1 (e.g. 0.8; 0.95 for difficult posteriors), got ${String(t)}`, `${name}.targetAccept`);
  if (o['adaptStepSize'] === false && o['stepSize'] === undefined) fail('invalid-argument', `${name}: adaptStepSize: false needs a stepSize to keep`, `${name}.stepSize`);
}

/**
 * Hamiltonian Monte Carlo with a fixed number of leapfrog steps.
 *
 * @example
 * const fit = mcmc(model, hmc({ steps: 20 }), { chains: 4, warmup: 500, draws: 500, seed: 0 }).run(data);
 */
export function hmc(options: HmcOptions = {}): Kernel {
  checkOptions('hmc', options);
  const steps = options.steps ?? 10;
  return {
    name: 'hmc',
    stepSize: options.stepSize,
    adaptStepSize: options.adaptStepSize ?? true,
    targetAccept: options.targetAccept ?? 0.8,
    adaptMass: options.adaptMass ?? true,
    steps,
    maxTreeDepth: 0,
    transition: (point, eps, inverseMass, rng) => hmcTransition(point, eps, inverseMass, { steps }, rng),
  };
}

/**
 * The no-U-turn sampler (Hoffman & Gelman 2014) with multinomial trajectory sampling, as in Stan.
 *
 * @example
 * const fit = mcmc(model, nuts({ targetAccept: 0.9 }), { chains: 4, warmup: 1000, draws: 1000, seed: 0 }).run(y, sigma);
 * console.log(fit.divergences, summary(fit).sites);
 */
export function nuts(options: NutsOptions = {}): Kernel {
  checkOptions('nuts', options);
  const maxTreeDepth = options.maxTreeDepth ?? 10;
  return {
    name: 'nuts',
    stepSize: options.stepSize,
    adaptStepSize: options.adaptStepSize ?? true,
    targetAccept: options.targetAccept ?? 0.8,
    adaptMass: options.adaptMass ?? true,
    steps: 0,
    maxTreeDepth,
    transition: (point, eps, inverseMass, rng) => nutsTransition(point, eps, inverseMass, { maxTreeDepth }, rng),
  };
}
