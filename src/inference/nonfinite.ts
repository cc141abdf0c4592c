import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';
import type { SampleSite } from '../runtime/trace.js';
import { drawWeighted, type Problem } from './program.js';

const allFinite = (t: tf.Tensor): boolean => tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);

/** What went wrong at a site, and what to do about it (a learning rate cannot fix bad data). */
interface Finding {
  readonly where: string;
  readonly advice?: string | undefined;
}

/** Distribution parameters that must be positive, by the name the distributions store them under. */
const POSITIVE = new Set(['scale', 'rate', 'concentration', 'concentration0', 'concentration1', 'df', 'totalCount']);

/** A parameter tensor of the site's distribution that is NaN, infinite or (for a positive one) <= 0. */
function invalidParameter(site: SampleSite, program: string): Finding | undefined {
  for (const [name, value] of Object.entries(site.fn)) {
    if (!(value instanceof tf.Tensor) || value.isDisposed || value.dtype !== 'float32') continue;
    const [bad, total, min] = tf.tidy(() => {
      const wrong = POSITIVE.has(name) ? tf.logicalOr(tf.logicalNot(tf.isFinite(value)), tf.lessEqual(value, 0)) : tf.isNaN(value);
      return [tf.sum(tf.cast(wrong, 'int32')).dataSync()[0]!, value.size, tf.min(value).dataSync()[0]!];
    });
    if (bad === 0) continue;
    const what = !POSITIVE.has(name)
      ? `its ${name} has ${bad} NaN ${bad === 1 ? 'entry' : 'entries'}`
      : total === 1
        ? `its ${name} is ${min}, not > 0`
        : `${bad} of its ${total} ${name} entries are not > 0 (min ${min})`;
    return {
      where: `site '${site.name}' (${program}, ${site.fn.name}): ${what}`,
      advice:
        `If it comes from the data, fix the data; if it is computed from a param, constrain the param ` +
        `(param(name, init, { constraint: 'positive' })) or map it (softplus, exp).`,
    };
  }
  return undefined;
}

function describe(site: SampleSite, program: string): Finding | undefined {
  if (site.value.dtype === 'float32' && !allFinite(site.value)) {
    if (site.observed) return { where: `the data observed at site '${site.name}' has NaN or infinite entries`, advice: 'Fix or drop those entries of the data.' };
    return { where: `site '${site.name}' (${program}) has a non-finite value` };
  }
  const lp = site.logProb;
  const hasNaN = tf.tidy(() => tf.any(tf.isNaN(lp)).dataSync()[0] === 1);
  if (hasNaN) {
    return invalidParameter(site, program) ?? { where: `site '${site.name}' (${program}, ${site.fn.name}) has a NaN log-prob: check its parameters (a negative scale, a NaN input)` };
  }
  const hasPosInf = tf.tidy(() => tf.any(tf.equal(lp, Infinity)).dataSync()[0] === 1);
  if (hasPosInf) return { where: `site '${site.name}' (${program}, ${site.fn.name}) has log-prob +Infinity (a degenerate density)` };
  const hasNegInf = tf.tidy(() => tf.any(tf.equal(lp, -Infinity)).dataSync()[0] === 1);
  if (hasNegInf) {
    return {
      where:
        `site '${site.name}' (${program}, ${site.fn.name}) has log-prob -Infinity: a value outside the support ` +
        `(observed data outside ${site.fn.support.describe()}, or a guide that proposes values the model forbids)`,
      advice: program === 'model' && site.observed ? 'Check the data against the distribution\'s support.' : undefined,
    };
  }
  return invalidParameter(site, program);
}

/**
 * Called after a non-finite loss or gradient: re-runs the same particles and throws an error naming the
 * first site whose value or log-prob is not finite, or else the params whose gradient is not finite.
 */
export function reportNonFinite<A extends unknown[]>(
  problem: Problem<A>,
  stream: Stream,
  particles: number,
  badGradients: readonly string[],
  loss: number,
): never {
  let found: Finding | undefined;
  tf.tidy(() => {
    found = firstFinding();
  });
  function firstFinding(): Finding | undefined {
    // Re-draw the particles of the failed step (bounded: chain estimators report costs in the hundreds).
    const weighted = drawWeighted(problem, Math.min(64, Math.max(1, Math.round(particles))), stream);
    for (const run of weighted.runs) {
      for (const site of run.guide.latentSites()) {
        const d = describe(site, 'guide');
        if (d) return d;
      }
      for (const site of run.model.sampleSites()) {
        const d = describe(site, 'model');
        if (d) return d;
      }
    }
    return undefined;
  }
  const where = found?.where ?? (badGradients.length > 0 ? `the gradient of param(s) ${badGradients.map((n) => `'${n}'`).join(', ')} is not finite` : `the loss is ${loss}`);
  const advice = found?.advice ?? "Lower the learning rate, clip gradients ({ clip: 10 }), or check the model's parameters.";
  fail('non-finite', `non-finite loss or gradient (loss ${loss}): ${where}. The update was not applied. ${advice}`, where);
}
