import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bernoulli, normal } from '../../src/dsl/distributions/index.js';
import { observe, plate, sample } from '../../src/dsl/primitives.js';
import {
  particles,
  particleSource,
  replay,
  Stream,
  trace,
  TraceMessenger,
  withRandom,
} from '../../src/runtime/index.js';
import { ParticlesMessenger } from '../../src/runtime/handlers/particles.js';

const data = tf.tensor2d([
  [0.2, -1],
  [1.5, 0.3],
  [0.1, 0.9],
]);

/** A global latent, a local latent in the data plate, a discrete local latent, observations. */
function model(): void {
  const g = sample('g', normal(tf.zeros([2]), 1).toEvent(1));
  plate('data', 3, () => {
    const z = sample('z', normal(g, 1).toEvent(1));
    const c = sample('c', bernoulli({ probs: 0.3 }));
    observe('x', normal(tf.add(z, tf.expandDims(c, -1)), 0.5).toEvent(1), data);
  });
}

describe('particles', () => {
  it('adds a leftmost particle dim to every site', () => {
    const tr = trace(particles(model, 4)).getTrace();
    expect(tr.sample('g').value.shape).toEqual([4, 1, 2]);
    expect(tr.sample('z').value.shape).toEqual([4, 3, 2]);
    expect(tr.sample('x').logProb.shape).toEqual([4, 3]);
    expect(tr.sample('g').logProb.shape).toEqual([4, 1]);
  });

  it('gives the same per-particle values and log-probs as a loop over particles', () => {
    const K = 5;
    const base = Stream.fromSeed('particles-test');
    const vectorised = new TraceMessenger();
    new ParticlesMessenger(K, -2, base).run(() => vectorised.run(() => model()));
    const tv = vectorised.trace;
    for (let k = 0; k < K; k++) {
      const loop = new TraceMessenger();
      withRandom(particleSource(base, k), () => loop.run(() => model()));
      for (const name of ['g', 'z', 'c', 'x']) {
        const v = tf.squeeze(tf.slice(tv.sample(name).logProb, [k], [1]), [0]);
        const l = loop.trace.sample(name).logProb;
        const diff = tf.max(tf.abs(tf.sub(tf.reshape(v, l.shape), l))).dataSync()[0]!;
        expect(diff, `site ${name}, particle ${k}`).toBeLessThan(1e-5);
      }
    }
  });

  it('replays vectorised guide values in the model', () => {
    const g = trace(particles(model, 3)).getTrace();
    // The dim is given: a dry run over replayed vectorised values would see their particle dims.
    const m = trace(particles(replay(model, g), 3, { dim: -2 })).getTrace();
    expect(m.sample('z').value).toBe(g.sample('z').value);
    expect(m.sample('x').logProb.shape).toEqual([3, 3]);
  });
});
