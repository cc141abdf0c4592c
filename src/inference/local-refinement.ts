import * as tf from '@tensorflow/tfjs';
import { Independent } from '../dsl/distributions/independent.js';
import { Normal, normal } from '../dsl/distributions/normal.js';
import { stopGradient } from '../runtime/detach.js';
import { fail } from '../runtime/errors.js';
import type { Message, SiteDistribution } from '../runtime/messages.js';
import type { Stream } from '../runtime/rng.js';
import { Messenger } from '../runtime/stack.js';
import { ascentLoss } from './estimator.js';
import { checkOptions, type OptionSpecs } from './options.js';
import { drawWeighted, type Problem } from './program.js';
import { logMeanExp, normalisedWeights } from './logmeanexp.js';
import { adam } from './optim.js';

/**
 * Semi-amortised proposals. An amortised guide (an encoder) is a compromise over all datapoints: for
 * the hard ones its q(z | x) misses much of the posterior (the amortisation gap). Where an estimator's
 * cost hangs on how well the proposal covers each posterior (cisir's meeting times), it can refine the
 * proposal for the minibatch at hand first: every normal guide site gets per-datapoint offsets,
 *   loc + delta,  scale * exp(s),
 * fitted by a few Adam steps of reweighted wake-sleep (inclusive KL, DReG form) with every model and
 * guide param frozen. ISIR is exact for any proposal, so the estimators stay unbiased; the offsets are
 * constants to their gradients.
 */
export interface RefineOptions {
  /** Adam steps (default 50). */
  readonly steps?: number;
  /** Particles per datapoint per step (default 10). */
  readonly k?: number;
  /** Adam's learning rate (default 0.05). */
  readonly lr?: number;
  /**
   * Widen the fitted proposal's scales by this factor (default 1). A diagonal normal fitted to a
   * correlated posterior leaves directions where p / q grows without bound; a chain that draws there
   * sticks. A wider proposal bounds the weights at some cost in effective sample size.
   */
  readonly inflate?: number;
}

/** Per-site offsets, shaped like the site's value without the particle dim (datapoints lead). */
export type Offsets = Readonly<Record<string, { readonly loc: tf.Tensor; readonly logScale: tf.Tensor }>>;

/** The problem with a refined proposal: its programs take the offsets as an extra, last argument. */
export interface Refined<A extends unknown[]> {
  readonly problem: Problem<[...A, Offsets]>;
  /** Model evaluations per datapoint the fitting took. */
  readonly cost: number;
  /** Mean over datapoints of the IWAE-k bound at the last step minus at the first (noisy; > 0 is the gap closed). */
  readonly gain: number;
  dispose(): void;
}

/** The refinement's options: ranges and defaults. */
export const REFINE_OPTION_SPECS = {
  steps: { kind: 'integer', min: 1, default: 50 },
  k: { kind: 'integer', min: 2, default: 10 },
  lr: { kind: 'number', above: 0, default: 0.05 },
  inflate: { kind: 'number', min: 1, default: 1 },
} as const satisfies OptionSpecs;

export function checkRefineOptions(options: RefineOptions): Required<RefineOptions> {
  const specs = REFINE_OPTION_SPECS;
  checkOptions('refine', options, specs);
  const resolved = { steps: options.steps ?? specs.steps.default, k: options.k ?? specs.k.default, lr: options.lr ?? specs.lr.default, inflate: options.inflate ?? specs.inflate.default };
  for (const [name, v, min] of [['steps', resolved.steps, 1], ['k', resolved.k, 2]] as const) {
    if (!Number.isInteger(v) || v < min) fail('invalid-argument', `refine: ${name} must be an integer >= ${min}, got ${v}`, name);
  }
  if (!(resolved.lr > 0)) fail('invalid-argument', `refine: lr must be > 0, got ${resolved.lr}`, 'lr');
  if (!(resolved.inflate >= 1) || !Number.isFinite(resolved.inflate)) fail('invalid-argument', `refine: inflate must be a finite number >= 1, got ${resolved.inflate}`, 'inflate');
  return resolved;
}

/** The problem whose guide reads `offsets` (the programs' last argument) at its normal sites. */
export function withOffsets<A extends unknown[]>(problem: Problem<A>, offsets: Offsets): Problem<[...A, Offsets]> {
  const own = (args: readonly unknown[]): A => args.slice(0, -1) as A;
  return {
    ...problem,
    model: (...args) => problem.model(...own(args)),
    guide: (...args) => new OffsetMessenger(args[args.length - 1] as Offsets).run(() => problem.guide(...own(args))),
    args: [...problem.args, offsets],
  };
}

/** Fit per-datapoint offsets for this problem's minibatch (see RefineOptions); runs outside any tape. */
export function refineProposal<A extends unknown[]>(problem: Problem<A>, stream: Stream, options: RefineOptions = {}): Refined<A> {
  const { steps, k, lr, inflate } = checkRefineOptions(options);
  // Zero offsets for every normal guide site, shaped by one draw.
  const shapes = new Map<string, number[]>();
  tf.tidy(() => {
    const probe = new OffsetMessenger({}, (site, shape) => shapes.set(site, shape));
    drawWeighted({ ...problem, guide: (...args: A) => probe.run(() => problem.guide(...args)) }, 1, stream.split(0));
  });
  if (shapes.size === 0) fail('unsupported-model', 'refine: the guide has no normal latent sites to refine');
  const variables: Record<string, { loc: tf.Variable; logScale: tf.Variable }> = {};
  const zeroVariable = (shape: number[]): tf.Variable => {
    const zeros = tf.zeros(shape);
    const v = tf.variable(zeros);
    zeros.dispose();
    return v;
  };
  for (const [site, shape] of shapes) variables[site] = { loc: zeroVariable(shape), logScale: zeroVariable(shape) };
  const list = Object.values(variables).flatMap((v) => [v.loc, v.logScale]);
  const live = withOffsets(problem, variables);
  const optimizer = adam({ lr });
  const bounds: number[] = [];
  for (let step = 0; step < steps; step++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const weighted = drawWeighted(live, k, stream.split(1 + step));
        const logW = weighted.logWeights(); // log q sees the offsets detached: the gradient flows through z only
        if (step === 0 || step === steps - 1) bounds.push(tf.mean(logMeanExp(logW, 0)).dataSync()[0]!);
        const wbar = stopGradient(normalisedWeights(logW, 0));
        // RWS-DReG: sum_k (wbar_k - wbar_k^2) d log w_k / d z_k dz_k / d offsets, ascended.
        return ascentLoss(tf.sum(tf.mul(tf.sub(wbar, tf.square(wbar)), logW)));
      }, list);
      optimizer.apply(list, new Map(Object.entries(grads)));
      value.dispose();
    });
  }
  optimizer.dispose();
  const fitted: Record<string, { loc: tf.Tensor; logScale: tf.Tensor }> = {};
  for (const [site, v] of Object.entries(variables)) {
    fitted[site] = { loc: tf.clone(v.loc), logScale: inflate === 1 ? tf.clone(v.logScale) : tf.tidy(() => tf.add(v.logScale, Math.log(inflate))) };
  }
  const diverged = Object.keys(variables).find((site) => [variables[site]!.loc, variables[site]!.logScale].some((t) => !tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0])));
  for (const v of list) v.dispose();
  if (diverged) {
    for (const f of Object.values(fitted)) tf.dispose([f.loc, f.logScale]);
    fail('non-finite', `refine: the offsets of guide site '${diverged}' became NaN or infinite; try a smaller refine lr (it was ${lr})`, diverged);
  }
  return {
    problem: withOffsets(problem, fitted),
    cost: steps * k,
    gain: bounds.length === 2 ? bounds[1]! - bounds[0]! : 0,
    dispose() {
      for (const f of Object.values(fitted)) {
        f.loc.dispose();
        f.logScale.dispose();
      }
    },
  };
}

/** The normal behind a site's distribution (plain, or reinterpreted with toEvent), if it is one. */
function normalOf(fn: SiteDistribution): { loc: tf.Tensor; scale: tf.Tensor; event: number } | undefined {
  if (fn instanceof Normal) return { loc: fn.loc, scale: fn.scale, event: 0 };
  if (fn instanceof Independent && fn.base instanceof Normal) return { loc: fn.base.loc, scale: fn.base.scale, event: fn.reinterpreted };
  return undefined;
}

/**
 * Shifts each normal guide site by its offsets. Installed innermost around the guide, so it sees the
 * site after its plates and before the particle dim is added.
 */
class OffsetMessenger extends Messenger {
  constructor(
    private readonly offsets: Offsets,
    private readonly onSite?: (site: string, shape: number[]) => void,
  ) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' || msg.observed) return;
    const base = normalOf(msg.fn);
    if (!base) return;
    this.onSite?.(msg.name, [...msg.fn.batchShape, ...msg.fn.eventShape]);
    const offset = this.offsets[msg.name];
    if (offset) msg.fn = new ShiftedNormal(base, offset, msg.fn.batchShape);
  }
}

/**
 * N(loc + delta, scale exp(s)). Draws carry the offsets' gradient; the density sees them detached, so
 * d log w / d offsets flows through the draws alone (what the DReG form needs). With constant offsets
 * (after fitting) the two coincide.
 */
class ShiftedNormal implements SiteDistribution {
  readonly name = 'normal';
  readonly hasRsample = true;
  readonly batchShape: readonly number[];
  readonly eventShape: readonly number[];
  readonly support: SiteDistribution['support'];

  constructor(
    private readonly base: { loc: tf.Tensor; scale: tf.Tensor; event: number },
    private readonly offset: { readonly loc: tf.Tensor; readonly logScale: tf.Tensor },
    batchShape: readonly number[],
    private readonly sampler = shifted(base, offset.loc, offset.logScale, batchShape),
    private readonly density = shifted(base, stopGradient(offset.loc), stopGradient(offset.logScale), batchShape),
  ) {
    this.batchShape = sampler.batchShape;
    this.eventShape = sampler.eventShape;
    this.support = sampler.support;
  }

  sample(rng?: Parameters<SiteDistribution['sample']>[0]): tf.Tensor {
    return this.sampler.sample(rng);
  }
  rsample(rng?: Parameters<SiteDistribution['rsample']>[0]): tf.Tensor {
    return this.sampler.rsample(rng);
  }
  logProb(value: tf.Tensor): tf.Tensor {
    return this.density.logProb(value);
  }
  expand(batchShape: readonly number[]): SiteDistribution {
    return new ShiftedNormal(this.base, this.offset, batchShape, this.sampler.expand(batchShape), this.density.expand(batchShape));
  }
  mean(): tf.Tensor {
    return this.sampler.mean!();
  }
  variance(): tf.Tensor {
    return this.sampler.variance!();
  }
}

function shifted(base: { loc: tf.Tensor; scale: tf.Tensor; event: number }, delta: tf.Tensor, logScale: tf.Tensor, batchShape: readonly number[]): SiteDistribution {
  const d = normal(tf.add(base.loc, delta), tf.mul(base.scale, tf.exp(logScale)));
  return (base.event > 0 ? d.toEvent(base.event) : d).expand(batchShape);
}
