import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import { currentRandom, Stream } from '../runtime/rng.js';
import { drawWeighted, type Problem, type Program } from './program.js';
import { checkOptions } from './options.js';
import { refineProposal, type RefineOptions } from './local-refinement.js';

export interface LogLikelihoodOptions {
  /** Total importance samples per datapoint (default 5000). */
  readonly k?: number;
  /** Samples evaluated at once, bounding memory (default 100). */
  readonly chunk?: number;
  readonly seed?: number | string;
  readonly vectorize?: boolean;
  /** Model latents the guide does not sample are drawn from their priors (see GradientOptions). */
  readonly allowPriorDraws?: boolean;
  /**
   * Refine the proposal per datapoint before drawing (semi-amortised; see local-refinement.ts): a tighter
   * bound where the guide's encoder fits some posteriors poorly. Still a stochastic lower bound: the
   * refinement uses its own draws. Normal guide sites only.
   */
  readonly refine?: boolean | RefineOptions;
}

export interface LogLikelihoodResult {
  /** IWAE-k estimate of log p(x_i) per datapoint of the data plate (one entry without a data plate). */
  readonly perDatapoint: Float64Array;
  /** Their mean. */
  readonly mean: number;
  /** Their sum, times N / B when the data plate subsamples. */
  readonly total: number;
}

/**
 * Test log-likelihood by the importance-weighted bound with k samples (a stochastic lower bound on
 * log p(x) that tightens as k grows), accumulated over chunks with a running log-sum-exp so memory
 * stays bounded.
 *
 * @example
 * const { mean } = logLikelihood(model, guide, [testImages], { k: 5000, chunk: 100 });
 */
export function logLikelihood<A extends unknown[]>(
  model: Program<A>,
  guide: Program<A>,
  args: A,
  options: LogLikelihoodOptions = {},
): LogLikelihoodResult {
  checkOptions('logLikelihood', options, {
    k: { kind: 'integer', min: 1 },
    chunk: { kind: 'integer', min: 1 },
    seed: { kind: 'seed' },
    vectorize: { kind: 'boolean' },
    allowPriorDraws: { kind: 'boolean' },
    refine: { kind: 'custom', expects: 'true, false or refine options' },
  });
  const k = options.k ?? 5000;
  const chunk = Math.min(options.chunk ?? 100, k);
  if (!Number.isInteger(k) || k < 1) fail('invalid-argument', `logLikelihood: k must be a positive integer, got ${k}`, 'k');
  if (!Number.isInteger(chunk) || chunk < 1) fail('invalid-argument', `logLikelihood: chunk must be a positive integer`, 'chunk');
  const stream = options.seed === undefined ? currentRandom().shared.fork() : Stream.fromSeed(options.seed);
  const plain: Problem<A> = { model, guide, args, vectorize: options.vectorize ?? true, ...(options.allowPriorDraws ? { allowPriorDraws: true } : {}) };
  // The refinement's draws (stream 100) are apart from the bound's (streams 1 to 3 of drawWeighted).
  const refined = options.refine ? refineProposal(plain, stream.split(100), options.refine === true ? {} : options.refine) : undefined;
  try {
    return refined ? boundOver(refined.problem, k, chunk, stream) : boundOver(plain, k, chunk, stream);
  } finally {
    refined?.dispose();
  }
}

function boundOver<A extends unknown[]>(problem: Problem<A>, k: number, chunk: number, stream: Stream): LogLikelihoodResult {
  let running: Float64Array | undefined;
  let dataScale = 1;
  for (let start = 0; start < k; start += chunk) {
    const size = Math.min(chunk, k - start);
    const lse = tf.tidy(() => {
      const weighted = drawWeighted(problem, size, stream, start);
      dataScale = weighted.dataScale;
      return tf.logSumExp(weighted.logWeights(), 0).dataSync();
    });
    if (!running) {
      running = Float64Array.from(lse);
    } else {
      for (let i = 0; i < running.length; i++) {
        const a = running[i]!;
        const b = lse[i]!;
        const m = Math.max(a, b);
        running[i] = m === -Infinity ? -Infinity : m + Math.log(Math.exp(a - m) + Math.exp(b - m));
      }
    }
  }
  const perDatapoint = running!.map((v) => v - Math.log(k));
  const sum = perDatapoint.reduce((a, b) => a + b, 0);
  return { perDatapoint, mean: sum / perDatapoint.length, total: sum * dataScale };
}
