import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import type { Stream } from '../runtime/rng.js';
import type { SampleSite } from '../runtime/trace.js';
import { drawWeighted } from './log-weights.js';
import type { Problem } from './program.js';

const allFinite = (t: tf.Tensor): boolean => tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);

function describe(site: SampleSite, program: string): string | undefined {
  if (site.value.dtype === 'float32' && !allFinite(site.value)) {
    return `site '${site.name}' (${program}) has a non-finite value`;
  }
  const lp = site.logProb;
  const hasNaN = tf.tidy(() => tf.any(tf.isNaN(lp)).dataSync()[0] === 1);
  if (hasNaN) return `site '${site.name}' (${program}, ${site.fn.name}) has a NaN log-prob: check its parameters (a negative scale, a NaN input)`;
  const hasPosInf = tf.tidy(() => tf.any(tf.equal(lp, Infinity)).dataSync()[0] === 1);
  if (hasPosInf) return `site '${site.name}' (${program}, ${site.fn.name}) has log-prob +Infinity (a degenerate density)`;
  const hasNegInf = tf.tidy(() => tf.any(tf.equal(lp, -Infinity)).dataSync()[0] === 1);
  if (hasNegInf) {
    return `site '${site.name}' (${program}, ${site.fn.name}) has log-prob -Infinity: a value outside the support ` +
      `(observed data outside ${site.fn.support.describe()}, or a guide that proposes values the model forbids)`;
  }
  return undefined;
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
  const found = tf.tidy(() => {
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
  });
  const where = found ?? (badGradients.length > 0 ? `the gradient of param(s) ${badGradients.map((n) => `'${n}'`).join(', ')} is not finite` : `the loss is ${loss}`);
  fail(
    'non-finite',
    `non-finite loss or gradient (loss ${loss}): ${where}. The update was not applied. ` +
      `Lower the learning rate, clip gradients ({ clip: 10 }), or check the model's parameters.`,
    where,
  );
}
