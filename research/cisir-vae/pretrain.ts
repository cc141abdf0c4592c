/**
 * IWAE pretraining of the image VAE, checkpointed: the params after each of the requested epoch counts
 * are saved (atomically) under the cache folder, and a later run that asks for a checkpoint already
 * there loads it instead of training again. Training is one run (one optimiser, one data stream), so
 * the checkpoint after 100 epochs is the same whether 100 or 300 epochs were asked for.
 */
import { existsSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { adam, gradients, iwae, rws, svi } from '../../src/inference/index.js';
import { clearParamStore, getParamStore, loadParams, saveParams, Stream } from '../../src/index.js';
import { loadFashionMnist } from '../../examples/data/fashion-mnist.js';
import { loadMnist, meanImageLogit, type MnistSplit } from '../../examples/data/mnist.js';
import { vae } from '../../examples/vae-mnist/model.js';
import { trainEpochs } from './train.js';

/** Command-line options the VAE scripts share: the data, the model, and where checkpoints are cached. */
export const VAE_OPTIONS = {
  data: { type: 'string', default: 'mnist' },
  seed: { type: 'string', default: '1' },
  batch: { type: 'string', default: '100' },
  activation: { type: 'string', default: 'tanh' },
  'guide-covariance': { type: 'string', default: 'diagonal' },
  cache: { type: 'string', default: '.cache' },
} as const;

/** The options of the scripts that study one cached checkpoint (stationarity.ts, per-digit.ts). */
export const CHECKPOINT_OPTIONS = {
  ...VAE_OPTIONS,
  epochs: { type: 'string', default: '30' },
  train: { type: 'string', default: '8000' },
  test: { type: 'string', default: '2000' },
} as const;

interface VaeArgs {
  readonly data?: string;
  readonly train?: string;
  readonly test?: string;
  readonly seed?: string;
  readonly activation?: string;
  readonly 'guide-covariance'?: string;
}

/**
 * The scripts' data and VAE (dim z = 20, 2 x 200, decoder bias at the mean image's logit) from their
 * options, and the key that names its pretraining checkpoints (data, split and model variant).
 */
export function vaeSetup(opts: VaeArgs) {
  const { data: which, activation, 'guide-covariance': covariance } = opts;
  if (which !== 'mnist' && which !== 'fashion-mnist') throw new Error(`--data must be mnist or fashion-mnist, got '${which}'`);
  if (activation !== 'tanh' && activation !== 'relu') throw new Error(`--activation must be tanh or relu, got '${activation}'`);
  if (covariance !== 'diagonal' && covariance !== 'full') throw new Error(`--guide-covariance must be diagonal or full, got '${covariance}'`);
  const data = (which === 'mnist' ? loadMnist : loadFashionMnist)(Number(opts.train), Number(opts.test), Number(opts.seed));
  const bias = meanImageLogit(data.train);
  const { model, guide } = vae({ latent: 20, hidden: [200, 200], activation, guideCovariance: covariance, outputBias: bias });
  const key = `${which}-${opts.train}${activation === 'tanh' ? '' : `-${activation}`}${covariance === 'full' ? '-fullcov' : ''}`;
  return { data, bias, model, guide, key };
}

export interface PretrainOptions {
  /** Epoch counts at which to checkpoint, ascending. */
  readonly checkpoints: readonly number[];
  readonly batch: number;
  readonly seed: number;
  /** Folder of the checkpoints; a name that identifies the data, split and seed is added per file. */
  readonly cache: string;
  /** Identifies the data and split (e.g. 'mnist-8000'). */
  readonly key: string;
}

/** The checkpoint file for `epochs` epochs of pretraining. */
export const checkpointPath = (o: PretrainOptions, epochs: number): string =>
  `${o.cache}/vae-${o.key}-batch${o.batch}-seed${o.seed}-iwae10-epoch${epochs}.json`;

/**
 * Load the cached checkpoint after `opts.epochs` epochs of pretraining (the scripts' options, the key
 * from `vaeSetup`); `x`, any minibatch, runs the programs once to create the params first.
 */
export async function loadCachedCheckpoint(
  model: (x: tf.Tensor) => void,
  guide: (x: tf.Tensor) => void,
  x: tf.Tensor,
  opts: { readonly epochs?: string; readonly batch?: string; readonly seed?: string; readonly cache?: string },
  key: string,
): Promise<void> {
  const path = checkpointPath({ checkpoints: [], batch: Number(opts.batch), seed: Number(opts.seed), cache: opts.cache!, key }, Number(opts.epochs));
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run example:vae-meeting -- --checkpoints ${opts.epochs} first (with the same options)`);
  for (const g of Object.values(gradients(model, guide, [x], { estimator: iwae({ k: 2 }), seed: 0 }).grads)) g.dispose();
  await loadParams(getParamStore(), path);
}

/**
 * Calls `atCheckpoint(epochs)` with the param store holding the VAE after that many epochs of IWAE-10
 * (guide by IWAE-10 with DReG, Adam 1e-3), for every requested count in order. The callback may change
 * the params (e.g. train the guide further); pretraining goes on from the checkpoint as it was.
 */
export async function pretrainWithCheckpoints(
  model: (x: tf.Tensor) => void,
  guide: (x: tf.Tensor) => void,
  train: MnistSplit,
  options: PretrainOptions,
  atCheckpoint: (epochs: number) => Promise<void> | void,
): Promise<void> {
  const checkpoints = [...options.checkpoints];
  if (checkpoints.some((e, i) => !Number.isInteger(e) || e < 1 || (i > 0 && e <= checkpoints[i - 1]!))) {
    throw new Error(`pretraining checkpoints must be ascending positive integers, got ${checkpoints.join(',')}`);
  }
  // Cached ones are loaded; training (from scratch) is needed only from the first missing one on.
  const firstMissing = checkpoints.findIndex((e) => !existsSync(checkpointPath(options, e)));
  for (const epochs of firstMissing === -1 ? checkpoints : checkpoints.slice(0, firstMissing)) {
    await loadParams(getParamStore(), checkpointPath(options, epochs));
    console.log(`pretraining: loaded the ${epochs}-epoch checkpoint from ${checkpointPath(options, epochs)}`);
    await atCheckpoint(epochs);
  }
  if (firstMissing === -1) return;
  clearParamStore();
  const fit = svi(model, guide, { model: iwae({ k: 10 }), guide: iwae({ k: 10, dreg: true }), optimizer: adam({ lr: 1e-3 }), seed: options.seed });
  const stream = Stream.fromSeed('pretrain');
  let done = 0;
  for (const epochs of checkpoints) {
    // Later checkpoints can't be reused without the optimiser state: train through all of them.
    const reports = trainEpochs(fit, train, { epochs: epochs - done, batch: options.batch, stream, label: `iwae-10 pretraining (from epoch ${done})` });
    done = epochs;
    console.log(`pretraining: ${epochs} epochs, train objective ${reports[reports.length - 1]!.objective.toFixed(2)} nats/image`);
    if (checkpoints.indexOf(epochs) >= firstMissing) await saveParams(getParamStore(), checkpointPath(options, epochs));
    else continue; // already reported from the cache above
    // Whatever the callback does to the params must not leak into the rest of the pretraining.
    const snapshot = getParamStore().snapshot();
    await atCheckpoint(epochs);
    getParamStore().restore(snapshot);
  }
}

/** How `refineGuide` trains the guide: IWAE-k or reweighted wake-sleep (inclusive KL), both with DReG. */
export type GuideObjective = 'iwae' | 'rws';

/**
 * Train the guide alone (IWAE-k or RWS-k, with DReG, default k = 10) for `epochs` epochs with the decoder
 * frozen. The coupled chains' meeting times depend on how well the guide's draws cover the posterior; the
 * model is untouched.
 */
export function refineGuide(
  model: (x: tf.Tensor) => void,
  guide: (x: tf.Tensor) => void,
  train: MnistSplit,
  options: { readonly epochs: number; readonly batch: number; readonly seed: number; readonly k?: number; readonly objective?: GuideObjective; readonly lr?: number },
): void {
  const k = options.k ?? 10;
  const objective = options.objective ?? 'iwae';
  if (objective !== 'iwae' && objective !== 'rws') throw new Error(`guide objective must be iwae or rws, got '${String(objective)}'`);
  const guideEstimator = objective === 'rws' ? rws({ k, dreg: true }) : iwae({ k, dreg: true });
  // A model-gradient clip of 0 zeroes theta's gradient, and a fresh Adam then leaves theta exactly as it is.
  const fit = svi(model, guide, { model: iwae({ k: 10 }), guide: guideEstimator, train: 'guide', optimizer: adam({ lr: options.lr ?? 1e-3 }), seed: `${options.seed}-guide` });
  trainEpochs(fit, train, { epochs: options.epochs, batch: options.batch, stream: Stream.fromSeed('guide-refinement'), label: `guide refinement by ${objective}-${k} (decoder frozen)` });
}
