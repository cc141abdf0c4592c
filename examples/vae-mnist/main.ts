/**
 * Fit a small VAE on MNIST digits with the ELBO and with IWAE(k = 5) at equal epochs, then compare test
 * log-likelihoods (IWAE-5000 on held-out digits).
 *
 *   npm run example:vae -- --train 1000 --test 100 --epochs 20
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { adam, elbo, iwae, svi, type Estimator } from '../../src/inference/index.js';
import { clearParamStore, ready, Stream } from '../../src/index.js';
import { loadMnist, meanImageLogit, type MnistSplit } from '../data/mnist.js';
import { testLogLikelihood, trainEpochs } from '../../research/cisir-vae/train.js';
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
  trainEpochs(fit, train, { epochs: n(opts.epochs), batch: n(opts.batch), stream: Stream.fromSeed(`${opts.seed}-batches`), label: name });
  bias.dispose();
  return testLogLikelihood(model, guide, test, n(opts.k), String(opts.seed));
}

await main();
tf.disposeVariables();
