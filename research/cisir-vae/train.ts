import type * as tf from '@tensorflow/tfjs';
import { logLikelihood, type RefineOptions, type Svi } from '../../src/inference/index.js';
import { Stream } from '../../src/index.js';
import { binarisedBatch, type MnistSplit } from '../../examples/data/mnist.js';

export interface EpochReport {
  readonly epoch: number;
  /** Mean per-digit objective of the model-side estimator over the epoch. */
  readonly objective: number;
  readonly seconds: number;
  readonly stats: Readonly<Record<string, number>>;
}

/** `epochs` passes over shuffled, dynamically binarised minibatches; returns one report per epoch. */
export function trainEpochs(
  fit: Svi<[tf.Tensor]>,
  train: MnistSplit,
  options: { readonly epochs: number; readonly batch: number; readonly stream: Stream; readonly label: string; readonly log?: boolean },
): EpochReport[] {
  const { epochs, batch, stream } = options;
  const reports: EpochReport[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = Array.from({ length: train.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = stream.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let objective = 0;
    let steps = 0;
    const sums: Record<string, number> = {};
    for (let b = 0; b + batch <= order.length; b += batch) {
      const x = binarisedBatch(train, order.slice(b, b + batch), stream);
      const result = fit.step(x);
      x.dispose();
      objective += result.logMarginal / batch;
      steps++;
      for (const [key, value] of Object.entries(result.stats)) if (Number.isFinite(value)) sums[key] = (sums[key] ?? 0) + value;
    }
    const stats = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / steps]));
    const report = { epoch, objective: objective / steps, seconds: (performance.now() - start) / 1000, stats };
    reports.push(report);
    if (options.log !== false && (epoch === 1 || epoch % 5 === 0 || epoch === epochs)) {
      console.log(`${options.label} epoch ${epoch}: train objective ${report.objective.toFixed(2)} nats/digit (${report.seconds.toFixed(0)} s)`);
    }
  }
  return reports;
}

/** Test log-likelihood per digit: the IWAE bound with k draws on each held-out digit, 50 digits at a time. */
export function testLogLikelihood(
  model: (x: tf.Tensor) => void,
  guide: (x: tf.Tensor) => void,
  test: MnistSplit,
  k: number,
  seed: string,
  /** Refine the proposal per test image first (logLikelihood's `refine`): a tighter bound. */
  refine: false | RefineOptions = false,
): number {
  const stream = Stream.fromSeed(`${seed}-test`);
  let total = 0;
  for (let b = 0; b < test.count; b += 50) {
    const idx = Array.from({ length: Math.min(50, test.count - b) }, (_, i) => b + i);
    const x = binarisedBatch(test, idx, stream);
    total += logLikelihood(model, guide, [x], { k, chunk: 100, seed: `${seed}-${b}`, refine }).perDatapoint.reduce((a, v) => a + v, 0);
    x.dispose();
  }
  return total / test.count;
}
