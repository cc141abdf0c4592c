/**
 * Why the coupled chains meet slowly on this VAE: run single ISIR and ISIR-DISIR chains (K = 10) for
 * many iterations on a few training digits from a cached pretraining checkpoint (see pretrain.ts; run
 * `npm run example:vae-meeting` first) and print, per window of iterations, how often an ISIR step left
 * the kept particle and the mean log w of the kept particle. Both kernels leave the same target
 * invariant, so both columns must settle at the same values; how fast they get there is the kernel's
 * mixing, and the settled move rate bounds how often two chains at stationarity can meet.
 *
 *   npx tsx research/cisir-vae/stationarity.ts --epochs 30 [--datapoints 20] [--iterations 2000] [--beta 0.85]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { ChainRunner, type Evaluated } from '../../src/inference/cisir/chains.js';
import { ready, Stream } from '../../src/index.js';
import { binarisedBatch } from '../../examples/data/mnist.js';
import { CHECKPOINT_OPTIONS, loadCachedCheckpoint, vaeSetup } from './pretrain.js';

const { values: opts } = parseArgs({
  options: {
    ...CHECKPOINT_OPTIONS,
    datapoints: { type: 'string', default: '20' },
    iterations: { type: 'string', default: '2000' },
    beta: { type: 'string', default: '0.85' },
  },
});
const n = (s: string | undefined): number => Number.parseInt(s!, 10);

await ready();
const { data, model, guide, key } = vaeSetup(opts);
const b = n(opts.datapoints);
const pick = Stream.fromSeed('stationarity');
const x = binarisedBatch(data.train, Array.from({ length: b }, () => pick.int(data.train.count)), pick);
await loadCachedCheckpoint(model, guide, x, opts, key);
const problem = { model, guide, args: [x] as [tf.Tensor], vectorize: true };
const iterations = n(opts.iterations);
const windowEnds = [10, 30, 100, 300, 1000, 2000, 5000, 10000].filter((w) => w < iterations).concat(iterations);

const keep = (e: Evaluated): Evaluated => ({
  state: { noise: e.state.noise.map((d) => ({ kind: d.kind, tensor: tf.keep(d.tensor) })), index: e.state.index },
  values: {},
  weights: e.weights,
  logW: tf.keep(e.logW),
});
const release = (e: Evaluated): void => {
  for (const d of e.state.noise) d.tensor.dispose();
  e.logW.dispose();
};

console.log(`checkpoint: ${opts.epochs} epochs of IWAE-10 pretraining; ${b} training digits, one chain each`);
console.log('kernel      | iterations | ISIR move rate | mean log w of the kept particle');
for (const [kernel, subSteps] of [['isir', [0]], ['isir-disir', [0, Number(opts.beta)]]] as const) {
  const stream = Stream.fromSeed(`stationarity-${kernel}`);
  const started = ChainRunner.start(problem, 10, 1, stream, stream.split(5));
  const runner = started.runner;
  let chain: Evaluated = started.states[0]!;
  const none = new Uint8Array(b);
  let [moves, steps, keptLogW, from] = [0, 0, 0, 1];
  for (let t = 1; t <= iterations; t++) {
    subSteps.forEach((beta, s) => {
      let next: Evaluated = chain;
      tf.tidy(() => {
        const { evaluated, a } = runner.step([chain.state], beta, stream.split(1000 + 10 * t + s), none);
        const e = evaluated[0]!;
        if (s === 0) for (let j = 0; j < b; j++) { steps++; if (e.state.index[j] !== a[j]) moves++; }
        if (s === subSteps.length - 1) {
          const logW = e.logW.dataSync();
          for (let j = 0; j < b; j++) keptLogW += logW[e.state.index[j]! * b + j]!;
        }
        next = keep(e);
      });
      release(chain);
      chain = next;
    });
    if (windowEnds.includes(t)) {
      console.log(`${kernel.padEnd(11)} | ${`${from}-${t}`.padEnd(10)} | ${(moves / steps).toFixed(3).padEnd(14)} | ${(keptLogW / ((t - from + 1) * b)).toFixed(2)}`);
      [moves, steps, keptLogW, from] = [0, 0, 0, t + 1];
    }
  }
  release(chain);
}
