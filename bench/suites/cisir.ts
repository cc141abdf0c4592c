import { binarisedBatch, loadMnist, meanImageLogit } from '../../examples/data/mnist.js';
import { vae } from '../../examples/vae-mnist/model.js';
import { adam, cisir, iwae, leadingAxisDatapoints, svi } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/param-store.js';
import { Stream } from '../../src/runtime/rng.js';
import { interleave, pairedRatio, round } from '../lib/timing.js';

/** Digits the VAE is pretrained on, and for how many epochs (batch 100). */
const PRETRAIN = { digits: 2000, epochs: 20 } as const;
const REFINE = { steps: 50, k: 10 } as const;

/**
 * Work per datapoint in model particle evaluations, a forward pass counting 1, the backward pass to the
 * activations 1 more and the weight gradients 1 more: an IWAE-10 step is 10 x 3. A C-ISIR step makes the
 * same IWAE-10 step for its guide, the refinement (forward and backward to z: 2 per particle), the chains'
 * forward evaluations and the gradient over every particle of every state its estimate sums over (3 each).
 */
export interface CisirWork {
  readonly iwae10: number;
  readonly cisirDisir: number;
  readonly parts: { readonly guide: number; readonly refine: number; readonly chains: number; readonly gradient: number };
  /** cisirDisir / iwae10: the step time ratio an implementation at equal speed per evaluation reaches. */
  readonly ratio: number;
}

export interface CisirResult {
  readonly description: string;
  readonly pretraining: { readonly digits: number; readonly epochs: number; readonly seconds: number };
  readonly ms: { readonly iwae10: number; readonly cisirDisir: number; readonly cisirDisirMean: number };
  /** Median over rounds of the C-ISIR-DISIR step's time over the IWAE-10 step's in the same round (the target: <= 15). */
  readonly ratio: number;
  /** Mean step time ratio: what a fit pays on average (meeting times are heavy-tailed). */
  readonly meanRatio: number;
  /** Means over the timed C-ISIR-DISIR steps. */
  readonly chains: { readonly iterations: number; readonly meetingMean: number; readonly meetingMax: number; readonly capped: number };
  readonly work: CisirWork;
}

/**
 * A C-ISIR-DISIR step (K = 10, L = 10, refine 50; Ruiz et al.'s settings, with the guide's proposal refined
 * per digit) against an IWAE-10 step on the MNIST VAE of examples/vae-mnist, batch 100, both with the
 * guide trained by IWAE-10 with DReG. The VAE is pretrained with IWAE-10 first: on an untrained one the
 * chains take minutes to meet. The steps alternate on one fixed minibatch (compiled where they compile:
 * the IWAE step whole, C-ISIR's chain iterations).
 */
export async function cisirSuite(repeats: number): Promise<CisirResult> {
  clearParamStore();
  const { train } = loadMnist(PRETRAIN.digits, 10, 1);
  const { model, guide } = vae({ latent: 20, hidden: [200, 200], outputBias: meanImageLogit(train) });
  const guideObjective = (): ReturnType<typeof iwae> => iwae({ k: 10, dreg: true });
  const pretrain = svi(model, guide, { model: iwae({ k: 10 }), guide: guideObjective(), optimizer: adam({ lr: 1e-3 }), seed: 'bench-cisir' });
  const stream = Stream.fromSeed('bench-cisir-data');
  const start = performance.now();
  for (let epoch = 0; epoch < PRETRAIN.epochs; epoch++) {
    for (let b = 0; b + 100 <= train.count; b += 100) {
      const x = binarisedBatch(train, Array.from({ length: 100 }, (_, i) => b + i), stream);
      pretrain.step(x);
      x.dispose();
    }
  }
  const seconds = (performance.now() - start) / 1000;

  const x = binarisedBatch(train, Array.from({ length: 100 }, (_, i) => i), stream);
  const iwaeFit = svi(model, guide, { model: iwae({ k: 10 }), guide: guideObjective(), optimizer: adam({ lr: 1e-4 }), seed: 'bench-iwae' });
  const coupled = cisir({ k: 10, lag: 10, refine: { ...REFINE }, selectDatapoints: leadingAxisDatapoints, maxIterations: 2000 });
  const cisirFit = svi(model, guide, { model: coupled, guide: guideObjective(), optimizer: adam({ lr: 1e-4 }), seed: 'bench-cisir' });
  const chainStats: Record<string, number>[] = [];
  const t = await interleave(
    {
      iwae10: { run: () => void iwaeFit.step(x) },
      cisirDisir: { run: () => void chainStats.push({ ...cisirFit.step(x).stats }) },
    },
    { repeats: Math.min(repeats, 8), warmup: 1 },
  );
  x.dispose();
  clearParamStore();
  const timed = chainStats.slice(1); // after the warm-up step
  const mean = (key: string): number => round(timed.reduce((s, r) => s + (r[key] ?? NaN), 0) / timed.length);
  const meanMs = (rounds: readonly number[]): number => rounds.reduce((s, v) => s + v, 0) / rounds.length;
  const parts = { guide: 30, refine: REFINE.steps * REFINE.k * 2, chains: mean('chainEvaluations'), gradient: round(3 * mean('gradientEvaluations')) };
  const work = parts.guide + parts.refine + parts.chains + parts.gradient;
  return {
    description:
      'C-ISIR-DISIR (K = 10, L = 10, refine 50 steps) vs IWAE-10 step on the MNIST VAE (batch 100, guide IWAE-10 DReG), ' +
      `after ${PRETRAIN.epochs} epochs of IWAE-10 on ${PRETRAIN.digits} digits; interleaved on one minibatch`,
    pretraining: { ...PRETRAIN, seconds: round(seconds) },
    ms: { iwae10: t.iwae10.medianMs, cisirDisir: t.cisirDisir.medianMs, cisirDisirMean: round(meanMs(t.cisirDisir.rounds)) },
    ratio: pairedRatio(t.cisirDisir, t.iwae10),
    meanRatio: round(meanMs(t.cisirDisir.rounds) / meanMs(t.iwae10.rounds)),
    chains: { iterations: mean('iterations'), meetingMean: mean('meetingMean'), meetingMax: mean('meetingMax'), capped: mean('capped') },
    work: { iwae10: 30, cisirDisir: round(work), parts, ratio: round(work / 30) },
  };
}
