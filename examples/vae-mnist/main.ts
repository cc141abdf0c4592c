/**
 * Fit a small VAE on MNIST digits with the ELBO and with IWAE(k = 5) at equal epochs, then compare test
 * log-likelihoods (IWAE-5000 on held-out digits).
 *
 *   npm run example:vae -- --train 1000 --test 100 --epochs 20
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { elbo, iwae, logLikelihood, svi, adam, type Estimator } from '../../src/inference/index.js';
import { clearParamStore, ready, Stream } from '../../src/index.js';
import { binarisedBatch, loadMnist, meanImageLogit, type MnistSplit } from '../data/mnist.js';
import { vae } from './model.js';

const { values: opts } = parseArgs({
  options: {
    train: { type: 'string', default: '1000' },
    test: { type: 'string', default: '100' },
    epochs: { type: 'string', default: '20' },
    batch: { type: 'string', default: '100' },
    k: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
  },
});
const n = (s: string | undefined): number => Number.parseInt(s!, 10);

async function main(): Promise<void> {
  const backend = await ready();
  const data = loadMnist(n(opts.train), n(opts.test), n(opts.seed));
  console.log(`backend ${backend}; ${data.train.count} training and ${data.test.count} test digits`);
  const results: Record<string, number> = {};
  for (const [name, estimator] of [
    ['elbo', elbo()],
    ['iwae-5', iwae({ k: 5 })],
  ] as const) {
    results[name] = fitAndEvaluate(name, estimator, data.train, data.test);
  }
  console.log('\ntest log-likelihood (IWAE-%d, nats per digit):', n(opts.k));
  for (const [name, value] of Object.entries(results)) console.log(`  ${name.padEnd(8)} ${value.toFixed(2)}`);
}

function fitAndEvaluate(name: string, estimator: Estimator, train: MnistSplit, test: MnistSplit): number {
  clearParamStore();
  const bias = meanImageLogit(train);
  const { model, guide } = vae({ latent: 20, hidden: [200, 200], outputBias: bias });
  const fit = svi(model, guide, { estimator, optimizer: adam({ lr: 1e-3 }), seed: n(opts.seed) });
  const stream = Stream.fromSeed(`${opts.seed}-batches`);
  const batch = n(opts.batch);
  const start = performance.now();
  for (let epoch = 1; epoch <= n(opts.epochs); epoch++) {
    const order = Array.from({ length: train.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = stream.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let objective = 0;
    for (let b = 0; b + batch <= order.length; b += batch) {
      const x = binarisedBatch(train, order.slice(b, b + batch), stream);
      objective += fit.step(x).logMarginal;
      x.dispose();
    }
    const perDigit = objective / (Math.floor(order.length / batch) * batch);
    if (epoch === 1 || epoch % 5 === 0) console.log(`${name} epoch ${epoch}: train objective ${perDigit.toFixed(2)} nats/digit (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  }
  bias.dispose();
  // Test log-likelihood: IWAE-k on each held-out digit, 50 digits at a time.
  const evalStream = Stream.fromSeed(`${opts.seed}-test`);
  let total = 0;
  for (let b = 0; b < test.count; b += 50) {
    const idx = Array.from({ length: Math.min(50, test.count - b) }, (_, i) => b + i);
    const x = binarisedBatch(test, idx, evalStream);
    total += logLikelihood(model, guide, [x], { k: n(opts.k), chunk: 100, seed: `${opts.seed}-${b}` }).perDatapoint.reduce((a, v) => a + v, 0);
    x.dispose();
  }
  return total / test.count;
}

await main();
tf.disposeVariables();
