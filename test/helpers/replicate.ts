import * as tf from '@tensorflow/tfjs';
import type { Estimator } from '../../src/inference/estimator.js';
import type { Problem } from '../../src/inference/program.js';
import { getParamStore, Stream } from '../../src/runtime/index.js';
import { breather } from './event-loop.js';

/**
 * theta-gradient estimates (one component) of a model estimator over seeded replicates. Yields to the
 * event loop now and then: long synchronous loops starve vitest's worker messages.
 */
export async function replicate<A extends unknown[]>(problem: Problem<A>, param: string, component: number, estimator: Estimator, reps: number): Promise<number[]> {
  const variable = getParamStore().variable(param);
  const out: number[] = [];
  const breathe = breather();
  for (let s = 0; s < reps; s++) {
    await breathe();
    tf.tidy(() => {
      const stream = Stream.fromSeed(`rep-${s}`);
      const simulation = estimator.simulate?.(problem, stream, 'model');
      try {
        const { grads } = tf.variableGrads(() => estimator.surrogate(problem, stream, 'model', simulation).loss, [variable]);
        out.push(grads[variable.name]!.dataSync()[component]!);
      } finally {
        simulation?.dispose();
      }
    });
  }
  return out;
}

