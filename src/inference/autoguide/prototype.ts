import * as tf from '@tensorflow/tfjs';
import { fail, RouletteError } from '../../runtime/errors.js';
import { withSeed } from '../../runtime/handlers/seed.js';
import { currentRandom } from '../../runtime/rng.js';
import type { SampleSite } from '../../runtime/trace.js';
import { isolated, runProgram } from '../program.js';
import { fullBatch, InitMessenger, type InitOption } from './init.js';
import { toHost, type DiscreteLaw, type HostTensor, type LatentSite } from './site.js';

/** What one traced run of the model tells an automatic guide. */
export interface Prototype {
  readonly latents: readonly LatentSite[];
  /** Every site name the model used (sample, param, plate, deterministic): guide names must avoid them. */
  readonly names: ReadonlySet<string>;
}

/** The child of the current stream the traced run draws from (far from any particle index). */
const PROTOTYPE_STREAM = 2 ** 41 + 17;

/** Values 0..PROBE-1 are tried against a discrete support; a support admitting all of them is unbounded. */
const PROBE = 1024;

function discreteLaw(site: SampleSite): DiscreteLaw {
  const { fn, name } = site;
  if (fn.support.name === 'boolean') return { law: 'bernoulli' };
  const admitted = tf.tidy(() => {
    const rank = fn.batchShape.length + fn.eventShape.length;
    const candidates = tf.reshape(tf.range(0, PROBE, 1, 'float32'), [PROBE, ...new Array<number>(rank).fill(1)]);
    const ok = fn.support.check(tf.broadcastTo(candidates, [PROBE, ...fn.batchShape, ...fn.eventShape]));
    // A value is offered only if every element admits it, so the guide never proposes outside the support.
    return ok.rank > 1 ? tf.all(ok, Array.from({ length: ok.rank - 1 }, (_, i) => i + 1)) : ok;
  });
  const flags = Array.from(admitted.dataSync(), (v) => v === 1);
  admitted.dispose();
  if (flags[PROBE - 1]) {
    fail(
      'unsupported-model',
      `autoGuide: site '${name}' is discrete with an unbounded support (${fn.support.describe()}); an automatic guide ` +
        `can only model discrete latents with finitely many values (Bernoulli, categorical, binomial). Marginalise it ` +
        `out, or write the guide by hand`,
      name,
    );
  }
  const last = flags.lastIndexOf(true);
  if (last < 0) fail('unsupported-model', `autoGuide: site '${name}': no value in 0..${PROBE - 1} lies in ${fn.support.describe()}`, name);
  return { law: 'categorical', admitted: flags.slice(0, last + 1) };
}

/** The initial value over the full param shape: a plate that subsampled gets the subsample's mean everywhere. */
function fullInit(site: SampleSite, given: HostTensor | undefined): HostTensor {
  if (given) return given;
  const { fn } = site;
  const rank = fn.batchShape.length;
  const subsampled = site.plates.filter((p) => p.subsampleSize < p.size).map((p) => rank + p.dim);
  // Supports are convex, so a mean of points inside stays inside.
  const reduced = subsampled.length > 0 ? tf.mean(site.value, subsampled, true) : site.value;
  return toHost(tf.broadcastTo(reduced, [...fullBatch(fn.batchShape, site.plates), ...fn.eventShape]));
}

function latentSite(site: SampleSite, given: HostTensor | undefined): LatentSite {
  const { fn, name } = site;
  const common = {
    name,
    batchShape: [...fn.batchShape],
    eventShape: [...fn.eventShape],
    paramBatch: fullBatch(fn.batchShape, site.plates),
    plates: [...site.plates].reverse(),
    support: fn.support,
  };
  if (fn.support.discrete) return { ...common, discrete: discreteLaw(site), init: undefined, unconstrainedEvent: [] };
  const transform = fn.support.transform;
  if (!transform) fail('unsupported-model', `autoGuide: site '${name}': ${fn.support.describe()} has no bijection from real space`, name);
  return {
    ...common,
    discrete: undefined,
    init: fullInit(site, given),
    unconstrainedEvent: transform.unconstrainedShape(fn.eventShape),
  };
}

/**
 * A support built from tensors that the traced run created (bounds computed inside the model, or from
 * other latents) cannot be reused after it: check each one still works.
 */
function checkSupportOutlivesRun(site: LatentSite): void {
  if (site.discrete) return;
  try {
    tf.tidy(() => {
      const t = site.support.transform!;
      const y = t.forward(tf.zeros([...site.unconstrainedEvent]));
      t.logAbsDetJacobian(t.inverse(y));
      site.support.check(y);
    });
  } catch (cause) {
    if (cause instanceof RouletteError) throw cause;
    fail(
      'unsupported-model',
      `autoGuide: site '${site.name}': its support (${site.support.describe()}) depends on tensors created while the ` +
        `model runs (${String(cause)}). An automatic guide needs a fixed support: give bounds as numbers or as ` +
        `tensors created outside the model; a support that depends on another latent needs a hand-written guide`,
      site.name,
    );
  }
}

/**
 * Run the model once on `args`, hidden from outer handlers, with every latent set to its initial
 * value. Its randomness comes from a child stream split off the current one without advancing it, so
 * the caller's seeded numbers are the same whether or not this run happened. Params the model creates
 * are tagged as the model's.
 */
export function tracePrototype<A extends unknown[]>(
  model: (...args: A) => unknown,
  args: A,
  init: InitOption | undefined,
): Prototype {
  let result: Prototype | undefined;
  tf.tidy(() => {
    const initialiser = new InitMessenger(init);
    const trace = withSeed(currentRandom().shared.split(PROTOTYPE_STREAM), () =>
      isolated(() => runProgram(model, args, { role: 'model', values: initialiser })),
    );
    const names = typeof init === 'object' ? Object.keys(init.values).filter((n) => !trace.has(n)) : [];
    if (names.length > 0) {
      fail('invalid-argument', `autoGuide: init values name site(s) ${names.map((n) => `'${n}'`).join(', ')} that the model never visits`, names[0]);
    }
    const latents = trace
      .latentSites()
      .filter((s) => s.kind === 'latent' && !s.enumerate && !initialiser.fixed.has(s.name)) // enumerated: summed out, not guided
      .map((s) => latentSite(s, initialiser.given.get(s.name)));
    for (const site of latents) {
      const given = site.plates.find((p) => initialiser.givenIndices.has(p.name));
      if (given) {
        fail(
          'unsupported-model',
          `autoGuide: site '${site.name}' lies in plate '${given.name}', whose subsample indices the model passes in ` +
            `({ subsample: indices }); the guide runs first and cannot know them. Give the plate { subsample: ` +
            `${given.subsampleSize} } so it draws them (the guide draws, the model replays), or write the guide by hand`,
          site.name,
        );
      }
    }
    result = { latents, names: new Set(trace.siteList.map((s) => s.name)) };
  });
  for (const site of result!.latents) checkSupportOutlivesRun(site);
  return result!;
}
