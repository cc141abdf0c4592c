import * as tf from '@tensorflow/tfjs';
import { dist, observe, param, plate, sample } from '../../src/index.js';
import { adam, elbo, svi, type Svi, type SviOptions } from '../../src/inference/index.js';
import { clearParamStore } from '../../src/runtime/param-store.js';
import { Stream } from '../../src/runtime/rng.js';
import { useKernels } from '../lib/kernels.js';
import { kernelsPerStep, type KernelCount } from '../lib/profile.js';
import { interleave, median, round, type Variant } from '../lib/timing.js';
import { paramValue, webpplProgram, webpplVersion, type WebpplProgram } from '../lib/webppl.js';

/**
 * roulette against WebPPL (https://webppl.org, the `webppl` dev dependency, run in this process) on
 * the same two small models, interleaved in one run: one ELBO step with 1 reparameterised particle
 * and Adam, mean-field normal guide (loc and log-scale per latent, both starting at 0).
 *
 * WebPPL's unit of work is an `Optimize` call; its per-step time is taken from two calls of different
 * lengths, (T(long) - T(short)) / (long - short) steps, so the per-call setup (parameter table, estimator,
 * the program's top level) cancels. roulette's is `fit.step()`, timed over `ROULETTE_STEPS` steps.
 */

const LR = 0.01;
const WEBPPL_SHORT = 200;
const WEBPPL_LONG = 2000;
const ROULETTE_STEPS = 100;
/**
 * Verification schedule, [steps, lr] phases from the initial guide, the same in both systems (each phase
 * a fresh Adam): the regression's scales (1 -> 0.05) settle within ~5% in these 3,000 steps, where 2,000
 * steps at 0.01 and 2,000 at 0.001 left them 20-30% wide.
 */
const CHECK_SCHEDULE: ReadonlyArray<readonly [steps: number, lr: number]> = [
  [1000, 0.05],
  [1000, 0.005],
  [1000, 0.0005],
];

/** A normal guide site with params `<name>.loc` and `<name>.logScale` (both 0 at first): roulette. */
const rouletteSite = (name: string): dist.Normal => dist.normal(param(`${name}.loc`, 0), tf.exp(param(`${name}.logScale`, 0)));
/** The same in WebPPL: params start at exactly 0 (an init Gaussian with sigma 0). */
const webpplSite = (name: string): string =>
  `function() { return Gaussian({mu: param({name: '${name}.loc', mu: 0, sigma: 0}), sigma: Math.exp(param({name: '${name}.logScale', mu: 0, sigma: 0}))}); }`;

/** Optimize calls, one per [steps, lr] phase (each a fresh Adam, the parameters kept between them). */
function optimizeCalls(schedule: ReadonlyArray<readonly [steps: number, lr: number]>): string {
  return schedule
    .map(([steps, lr]) => `Optimize({model: model, steps: ${steps}, estimator: {ELBO: {samples: 1}}, optMethod: {adam: {stepSize: ${lr}}}});`)
    .join('\n');
}

interface Workload {
  readonly name: string;
  readonly description: string;
  readonly latents: readonly string[];
  /** WebPPL source up to (not including) the Optimize call; defines `model`. Several forms may be compared. */
  readonly webppl: Readonly<Record<string, string>>;
  readonly model: (...args: tf.Tensor[]) => void;
  readonly guide: (...args: tf.Tensor[]) => void;
  readonly args: tf.Tensor[];
  /** The exact posterior mean and the mean-field optimum's sd per latent (Gaussian posterior: 1 / sqrt(precision_ii)). */
  readonly exact: Readonly<Record<string, { readonly mean: number; readonly sd: number }>>;
}

function scalarWorkload(): Workload {
  const x = tf.scalar(1.5);
  return {
    name: 'scalar',
    description: 'z ~ N(0, 1), x = 1.5 ~ N(z, 1); guide z ~ N(loc, exp(logScale)); exact posterior N(0.75, 0.5)',
    latents: ['z'],
    webppl: {
      webppl: `
var model = function() {
  var z = sample(Gaussian({mu: 0, sigma: 1}), {guide: ${webpplSite('z')}});
  observe(Gaussian({mu: z, sigma: 1}), 1.5);
};`,
    },
    model: (xv: tf.Tensor) => {
      const z = sample('z', dist.normal(0, 1));
      observe('x', dist.normal(z, 1), xv);
    },
    guide: () => void sample('z', rouletteSite('z')),
    args: [x],
    exact: { z: { mean: 0.75, sd: Math.sqrt(0.5) } },
  };
}

const REG_N = 100;
const REG_NOISE = 0.5;

/**
 * y_n = w1 x1_n + w2 x2_n + b + 0.5 eps_n, N = 100 synthetic points (seed 'peers'; true w1 = 1.5, w2 = -0.7,
 * b = 0.3); priors N(0, 1) on w1, w2, b; the noise sd is known, so the posterior is Gaussian.
 */
function regressionWorkload(): Workload {
  const stream = Stream.fromSeed('peers');
  const x1 = Array.from({ length: REG_N }, () => stream.normal());
  const x2 = Array.from({ length: REG_N }, () => stream.normal());
  const y = x1.map((a, i) => 1.5 * a - 0.7 * x2[i]! + 0.3 + REG_NOISE * stream.normal());
  // Posterior precision A = I + F'F / s^2 (F's rows: x1, x2, 1) and mean A^-1 F'y / s^2.
  const rows = x1.map((a, i) => [a, x2[i]!, 1]);
  const A = [0, 1, 2].map((j) => [0, 1, 2].map((k) => (j === k ? 1 : 0) + rows.reduce((s, r) => s + r[j]! * r[k]!, 0) / REG_NOISE ** 2));
  const rhs = [0, 1, 2].map((j) => rows.reduce((s, r, n) => s + r[j]! * y[n]!, 0) / REG_NOISE ** 2);
  const mean = solve3(A, rhs);
  const latents = ['w1', 'w2', 'b'];
  // JSON.parse of a string literal: WebPPL's CPS transform nests a continuation per array element of a
  // literal, which overflows the stack for 100 points; a primitive call does not.
  const json = (v: readonly number[]): string => `JSON.parse('${JSON.stringify(v)}')`;
  const priors = `
  var w1 = sample(Gaussian({mu: 0, sigma: 1}), {guide: ${webpplSite('w1')}});
  var w2 = sample(Gaussian({mu: 0, sigma: 1}), {guide: ${webpplSite('w2')}});
  var b = sample(Gaussian({mu: 0, sigma: 1}), {guide: ${webpplSite('b')}});`;
  const [tx1, tx2, ty] = [tf.tensor1d(x1), tf.tensor1d(x2), tf.tensor1d(y)];
  return {
    name: 'regression',
    description: `Bayesian linear regression, N = ${REG_N} synthetic points, y ~ N(w1 x1 + w2 x2 + b, ${REG_NOISE}^2), w1, w2, b ~ N(0, 1); mean-field normal guide (loc, logScale per latent)`,
    latents,
    webppl: {
      // WebPPL's idiom: mapData over the points, one scalar observe each.
      webppl: `
var data = JSON.parse('${JSON.stringify(x1.map((a, i) => ({ x1: a, x2: x2[i], y: y[i] })))}');
var model = function() {${priors}
  mapData({data: data}, function(d) { observe(Gaussian({mu: w1 * d.x1 + w2 * d.x2 + b, sigma: ${REG_NOISE}}), d.y); });
};`,
      // The same likelihood as one observe of a 100-vector (WebPPL's tensors: as vectorised as roulette's plate).
      webpplVectorised: `
var X1 = Vector(${json(x1)});
var X2 = Vector(${json(x2)});
var Y = Vector(${json(y)});
var noise = T.add(T.mul(X1, 0), ${REG_NOISE});
var model = function() {${priors}
  observe(DiagCovGaussian({mu: T.add(T.add(T.mul(X1, w1), T.mul(X2, w2)), b), sigma: noise}), Y);
};`,
    },
    model: (a: tf.Tensor, c: tf.Tensor, yv: tf.Tensor) => {
      const w1 = sample('w1', dist.normal(0, 1));
      const w2 = sample('w2', dist.normal(0, 1));
      const b = sample('b', dist.normal(0, 1));
      plate('data', REG_N, () => observe('y', dist.normal(tf.add(tf.add(tf.mul(w1, a), tf.mul(w2, c)), b), REG_NOISE), yv));
    },
    guide: () => {
      for (const name of latents) sample(name, rouletteSite(name));
    },
    args: [tx1, tx2, ty],
    exact: Object.fromEntries(latents.map((name, j) => [name, { mean: mean[j]!, sd: 1 / Math.sqrt(A[j]![j]!) }])),
  };
}

/** Gaussian elimination for a 3x3 system (no pivoting needed: A is symmetric positive definite). */
function solve3(A: readonly (readonly number[])[], b: readonly number[]): number[] {
  const m = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < 3; c++) {
    for (let r = c + 1; r < 3; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < 4; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) x[r] = (m[r]![3]! - [0, 1, 2].slice(r + 1).reduce((s, k) => s + m[r]![k]! * x[k]!, 0)) / m[r]![r]!;
  return x;
}

/**
 * Whether svi takes a `compile` option (another change adds a compiled step): then both modes are
 * measured. Read off svi's own code, so this needs no edit when the option lands.
 */
export function sviHasCompileOption(): boolean {
  return /\bcompile\b/.test(svi.toString());
}

type Fitted = Readonly<Record<string, { readonly loc: number; readonly scale: number }>>;

interface Check {
  readonly exact: Workload['exact'];
  /** The verification schedule: [steps, lr] phases from the initial guide, each with a fresh Adam. */
  readonly schedule: ReadonlyArray<readonly [number, number]>;
  /** The fitted guide (loc, scale per latent) after the schedule, per system. */
  readonly fitted: Readonly<Record<string, Fitted>>;
  /** Largest |fitted loc - exact mean| / exact sd and |log(fitted scale / exact sd)| over latents and systems. */
  readonly maxLocError: number;
  readonly maxLogScaleError: number;
}

export interface PeerWorkloadResult {
  readonly description: string;
  /** Median ms per step, per system/mode (WebPPL: the difference of two Optimize lengths, per round). */
  readonly msPerStep: Readonly<Record<string, number>>;
  readonly stepsPerSecond: Readonly<Record<string, number>>;
  /** roulette's step time / WebPPL's, median of per-round ratios; keys `<roulette mode>/<webppl form>`. */
  readonly ratio: Readonly<Record<string, number>>;
  /** WebPPL's per-Optimize-call cost outside the steps (median ms): the intercept that the difference removes. */
  readonly webpplSetupMs: Readonly<Record<string, number>>;
  /** tf.profile of one roulette step after warm-up, per mode. */
  readonly kernelsPerStep: Readonly<Record<string, KernelCount>>;
  /** How svi reported its steps ran (its `mode`: 'compiled', 'eager', 'eager: <why>'), where it reports it. */
  readonly stepMode?: Readonly<Record<string, string>>;
  readonly check: Check;
}

export interface PeersResult {
  readonly description: string;
  readonly webppl: string;
  /**
   * Whether roulette's svi had a `compile` option in this run: then `rouletteEager` (compile: false) and
   * `rouletteCompiled` (compile: true) are measured, else `roulette` (svi's defaults).
   */
  readonly compileOption: boolean;
  readonly settings: { readonly lr: number; readonly webpplSteps: readonly [number, number]; readonly rouletteStepsPerRound: number; readonly rounds: number };
  readonly workloads: Readonly<Record<string, PeerWorkloadResult>>;
}

/**
 * roulette's modes: 'default' (svi's defaults: the only mode without a compile option), or 'eager'
 * (compile: false) and 'compiled' (compile: true).
 */
type Mode = 'default' | 'eager' | 'compiled';
const modeKey = (mode: Mode): string => (mode === 'default' ? 'roulette' : `roulette${mode[0]!.toUpperCase()}${mode.slice(1)}`);

function rouletteFit(w: Workload, mode: Mode, seed: number, lr = LR): Svi<tf.Tensor[]> {
  const options: SviOptions = { estimator: elbo(), optimizer: adam({ lr }), seed, ...(mode === 'default' ? {} : { compile: mode === 'compiled' }) };
  return svi(w.model, w.guide, options);
}

/** How svi ran the last step ('compiled', 'eager', 'eager: <why>', ...) where it says (the compile change adds `mode`). */
const stepMode = (fit: Svi<tf.Tensor[]>): string | undefined => (fit as unknown as { readonly mode?: unknown }).mode as string | undefined;

function rouletteFitted(w: Workload): Fitted {
  return Object.fromEntries(
    w.latents.map((n) => [n, { loc: round(param(`${n}.loc`).dataSync()[0]!), scale: round(Math.exp(param(`${n}.logScale`).dataSync()[0]!)) }]),
  );
}

async function runWorkload(w: Workload, modes: readonly Mode[], rounds: number): Promise<PeerWorkloadResult> {
  // Verification first, from the initial guide, the same schedule in both systems.
  const fitted: Record<string, Fitted> = {};
  for (const mode of modes) {
    clearParamStore();
    for (const [i, [steps, lr]] of CHECK_SCHEDULE.entries()) {
      const fit = rouletteFit(w, mode, 100 + i, lr);
      for (let s = 0; s < steps; s++) fit.step(...w.args);
    }
    fitted[modeKey(mode)] = rouletteFitted(w);
  }
  for (const [form, source] of Object.entries(w.webppl)) {
    const check = webpplProgram(`${source}\n${optimizeCalls(CHECK_SCHEDULE)}\ngetParams();`, `${w.name}-${form}-check.wppl`);
    const params = check.run(7);
    fitted[form] = Object.fromEntries(w.latents.map((n) => [n, { loc: round(paramValue(params, `${n}.loc`)), scale: round(Math.exp(paramValue(params, `${n}.logScale`))) }]));
  }
  let maxLocError = 0;
  let maxLogScaleError = 0;
  for (const f of Object.values(fitted)) {
    for (const n of w.latents) {
      maxLocError = Math.max(maxLocError, Math.abs(f[n]!.loc - w.exact[n]!.mean) / w.exact[n]!.sd);
      maxLogScaleError = Math.max(maxLogScaleError, Math.abs(Math.log(f[n]!.scale / w.exact[n]!.sd)));
    }
  }

  // Timing: every variant is one timed unit per round, rotated (bench/lib/timing.ts).
  const variants: Record<string, Variant> = {};
  const kernels: Record<string, KernelCount> = {};
  const fits: Record<string, Svi<tf.Tensor[]>> = {};
  const ranAs: Record<string, string> = {};
  clearParamStore();
  // With two modes, both fits update the same params (one store, the same names): harmless for timing.
  for (const mode of modes) {
    const fit = rouletteFit(w, mode, 1);
    for (let s = 0; s < 50; s++) fit.step(...w.args);
    kernels[modeKey(mode)] = await kernelsPerStep(() => fit.step(...w.args));
    const m = stepMode(fit);
    if (m !== undefined) ranAs[modeKey(mode)] = m;
    fits[mode] = fit;
  }
  for (const mode of modes) {
    variants[mode] = {
      run: () => {
        for (let s = 0; s < ROULETTE_STEPS; s++) fits[mode]!.step(...w.args);
      },
    };
  }
  // One variant per WebPPL form: a short and a long Optimize call back to back, timed apart (the pair's
  // difference is its per-step time, so the two calls are kept adjacent in every round).
  let seed = 1;
  const webpplMs: Record<string, { short: number[]; long: number[] }> = {};
  for (const [form, source] of Object.entries(w.webppl)) {
    const short: WebpplProgram = webpplProgram(`${source}\n${optimizeCalls([[WEBPPL_SHORT, LR]])}`, `${w.name}-${form}-short.wppl`);
    const long: WebpplProgram = webpplProgram(`${source}\n${optimizeCalls([[WEBPPL_LONG, LR]])}`, `${w.name}-${form}-long.wppl`);
    const ms: { short: number[]; long: number[] } = { short: [], long: [] };
    webpplMs[form] = ms;
    variants[form] = {
      run: () => {
        const a = performance.now();
        short.run(seed++);
        const b = performance.now();
        long.run(seed++);
        ms.short.push(b - a);
        ms.long.push(performance.now() - b);
      },
    };
  }
  const t = await interleave(variants, { repeats: rounds, warmup: 3 });

  const perStep: Record<string, number[]> = {};
  for (const mode of modes) {
    perStep[modeKey(mode)] = t[mode]!.rounds.map((ms) => ms / ROULETTE_STEPS);
    const m = stepMode(fits[mode]!);
    if (m !== undefined && m !== ranAs[modeKey(mode)]) ranAs[modeKey(mode)] = `${ranAs[modeKey(mode)]!}, then ${m}`;
  }
  const webpplSetupMs: Record<string, number> = {};
  for (const [form, ms] of Object.entries(webpplMs)) {
    // The last `rounds` entries are the timed rounds (the first ones are the warm-up).
    const [short, long] = [ms.short.slice(-rounds), ms.long.slice(-rounds)];
    perStep[form] = long.map((l, i) => (l - short[i]!) / (WEBPPL_LONG - WEBPPL_SHORT));
    webpplSetupMs[form] = round(median(short.map((sh, i) => sh - WEBPPL_SHORT * perStep[form]![i]!)));
  }
  const ratio: Record<string, number> = {};
  for (const r of Object.keys(perStep).filter((k) => k.startsWith('roulette'))) {
    for (const form of Object.keys(w.webppl)) ratio[`${r}/${form}`] = round(median(perStep[r]!.map((ms, i) => ms / perStep[form]![i]!)));
  }
  const msPerStep = Object.fromEntries(Object.entries(perStep).map(([k, v]) => [k, round(median(v))]));
  return {
    description: w.description,
    msPerStep,
    stepsPerSecond: Object.fromEntries(Object.entries(msPerStep).map(([k, ms]) => [k, round(1000 / ms)])),
    ratio,
    webpplSetupMs,
    kernelsPerStep: kernels,
    ...(Object.keys(ranAs).length > 0 ? { stepMode: ranAs } : {}),
    check: { schedule: CHECK_SCHEDULE, exact: w.exact, fitted, maxLocError: round(maxLocError), maxLogScaleError: round(maxLogScaleError) },
  };
}

export async function peersSuite(repeats: number): Promise<PeersResult> {
  await useKernels('native', 1);
  const compileOption = sviHasCompileOption();
  const modes: Mode[] = compileOption ? ['eager', 'compiled'] : ['default'];
  const rounds = repeats * 3;
  const workloads: Record<string, PeerWorkloadResult> = {};
  for (const make of [scalarWorkload, regressionWorkload]) {
    const w = make();
    workloads[w.name] = await runWorkload(w, modes, rounds);
    clearParamStore();
    tf.dispose(w.args);
  }
  return {
    description:
      'roulette (wasm, native kernels, 1 thread) vs WebPPL on one ELBO step (1 reparameterised particle, Adam lr 0.01), mean-field normal guide; interleaved rounds, ratios are medians of per-round ratios',
    webppl: webpplVersion(),
    compileOption,
    settings: { lr: LR, webpplSteps: [WEBPPL_SHORT, WEBPPL_LONG], rouletteStepsPerRound: ROULETTE_STEPS, rounds },
    workloads,
  };
}
