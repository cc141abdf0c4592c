import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import type { Message, PlateFrame, SampleMessage, SiteDistribution } from '../../runtime/messages.js';
import { Messenger } from '../../runtime/stack.js';
import { inSupport, sizeOf, toHost, type HostTensor } from './site.js';

/**
 * Where an automatic guide starts: every latent is set to a point in its support while the model is
 * traced once, so later sites are initialised given the initial values of the sites they depend on
 * (as Pyro's init strategies do).
 * - `'median'` (default): the elementwise median of 15 prior draws;
 * - `'mean'`: the prior mean (falls back to the median where it is not finite);
 * - `'feasible'`: the point that 0 in unconstrained space maps to;
 * - `'sample'`: one prior draw;
 * - `{ values, fallback }`: the given values (full size N on each plate's dim) for the named sites,
 *   `fallback` (default 'median') for the others.
 * A point outside the support (a median of simplex draws) falls back to the mean, then to 'feasible'.
 */
export type InitStrategy = 'median' | 'mean' | 'feasible' | 'sample';

export interface InitValues {
  readonly values: Readonly<Record<string, tf.Tensor | number>>;
  readonly fallback?: InitStrategy;
}

export type InitOption = InitStrategy | InitValues;

const STRATEGIES: readonly InitStrategy[] = ['median', 'mean', 'feasible', 'sample'];
const MEDIAN_DRAWS = 15;

export function checkInit(init: InitOption | undefined): void {
  if (init === undefined) return;
  const strategy = typeof init === 'string' ? init : (init.fallback ?? 'median');
  if (!STRATEGIES.includes(strategy)) {
    fail('invalid-argument', `autoGuide: unknown init strategy '${String(strategy)}'; use one of ${STRATEGIES.join(', ')}, or { values }`, 'init');
  }
  if (typeof init !== 'string' && (typeof init.values !== 'object' || init.values === null)) {
    fail('invalid-argument', `autoGuide: init { values } must map site names to tensors or numbers`, 'init');
  }
}

/** The batch shape of per-datapoint params: the plates' full sizes at their dims. */
export function fullBatch(batchShape: readonly number[], plates: readonly PlateFrame[]): number[] {
  const out = [...batchShape];
  for (const p of plates) {
    const axis = out.length + p.dim;
    if (axis >= 0) out[axis] = p.size;
  }
  return out;
}

function finiteAndInside(fn: SiteDistribution, value: tf.Tensor): boolean {
  return tf.tidy(() => {
    const finite = tf.all(tf.isFinite(value));
    const inside = tf.all(inSupport(fn.support, fn.eventShape.length, value));
    return tf.logicalAnd(finite, inside).dataSync()[0] === 1;
  });
}

function feasible(fn: SiteDistribution): tf.Tensor {
  const transform = fn.support.transform!;
  const zeros = tf.zeros(transform.unconstrainedShape(fn.eventShape));
  return tf.broadcastTo(transform.forward(zeros), [...fn.batchShape, ...fn.eventShape]);
}

/** Elementwise median of `draws` prior draws (sorted along the draw dim with topk). */
function priorMedian(fn: SiteDistribution): tf.Tensor {
  const shape = [...fn.batchShape, ...fn.eventShape];
  const draws = fn.expand([MEDIAN_DRAWS, ...fn.batchShape]).sample();
  const columns = tf.transpose(tf.reshape(draws, [MEDIAN_DRAWS, sizeOf(shape)]));
  const sorted = tf.topk(columns, MEDIAN_DRAWS).values;
  const middle = tf.slice(sorted, [0, Math.floor(MEDIAN_DRAWS / 2)], [-1, 1]);
  return tf.reshape(middle, shape);
}

function priorMean(fn: SiteDistribution): tf.Tensor | undefined {
  const withMoments = fn as SiteDistribution & { mean?: () => tf.Tensor };
  if (typeof withMoments.mean !== 'function') return undefined;
  try {
    return tf.broadcastTo(withMoments.mean(), [...fn.batchShape, ...fn.eventShape]);
  } catch {
    return undefined; // no closed-form mean
  }
}

function byStrategy(fn: SiteDistribution, strategy: InitStrategy): tf.Tensor {
  const order: Record<InitStrategy, ReadonlyArray<() => tf.Tensor | undefined>> = {
    median: [() => priorMedian(fn), () => priorMean(fn)],
    mean: [() => priorMean(fn), () => priorMedian(fn)],
    sample: [() => fn.sample()],
    feasible: [],
  };
  for (const candidate of order[strategy]) {
    const value = candidate();
    if (value && finiteAndInside(fn, value)) return value;
  }
  return feasible(fn);
}

/**
 * Sets each latent site's value to its initial point while the model is traced, and records what the
 * guide's params start from. Lives only inside the tracing run (its tensors belong to that tidy scope).
 */
export class InitMessenger extends Messenger {
  /** Latent sites whose value something inside the model fixed (substitute, replay): not guided. */
  readonly fixed = new Set<string>();
  /** Plates whose subsample indices the program gave (the guide cannot know them). */
  readonly givenIndices = new Set<string>();
  /** User-given initial values over the full param shape, by site. */
  readonly given = new Map<string, HostTensor>();
  readonly #plateIndices = new Map<string, tf.Tensor>();
  readonly #strategy: InitStrategy;
  readonly #values: Readonly<Record<string, tf.Tensor | number>>;

  constructor(init: InitOption = 'median') {
    super();
    this.#strategy = typeof init === 'string' ? init : (init.fallback ?? 'median');
    this.#values = typeof init === 'string' ? {} : init.values;
  }

  override process(msg: Message): void {
    if (msg.type === 'plate' && msg.value !== undefined && msg.subsampleSize < msg.size) this.givenIndices.add(msg.name);
    if (msg.type !== 'sample' || msg.observed || msg.kind !== 'latent') return;
    if (msg.value !== undefined) {
      this.fixed.add(msg.name);
      return;
    }
    if (msg.fn.support.discrete) {
      msg.value = msg.fn.sample(); // any value in the support lets the model run on
      return;
    }
    const user = this.#values[msg.name];
    msg.value = user === undefined ? byStrategy(msg.fn, this.#strategy) : this.#userValue(msg, user);
  }

  override postprocess(msg: Message): void {
    if (msg.type === 'plate' && msg.value) this.#plateIndices.set(msg.name, msg.value);
  }

  /** The user's value broadcast to the full param shape (kept), gathered to the traced subsample. */
  #userValue(msg: SampleMessage, user: tf.Tensor | number): tf.Tensor {
    const { fn, name } = msg;
    const shape = [...fullBatch(fn.batchShape, msg.plates), ...fn.eventShape];
    const given = typeof user === 'number' ? tf.scalar(user) : tf.cast(user, 'float32');
    let full: tf.Tensor;
    try {
      full = tf.broadcastTo(given, shape);
    } catch {
      fail(
        'shape-mismatch',
        `autoGuide: init value for site '${name}' has shape [${given.shape.join(', ')}], which does not broadcast to ` +
          `[${shape.join(', ')}] (each plate at its full size)`,
        name,
      );
    }
    if (!finiteAndInside(fn, full)) {
      fail('invalid-argument', `autoGuide: init value for site '${name}' is not in ${fn.support.describe()}`, name);
    }
    this.given.set(name, toHost(full));
    let traced = full;
    for (const p of msg.plates) {
      const indices = this.#plateIndices.get(p.name);
      if (p.subsampleSize < p.size && indices) traced = tf.gather(traced, indices, fn.batchShape.length + p.dim);
    }
    return traced;
  }
}
