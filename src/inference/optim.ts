import * as tf from '@tensorflow/tfjs';
import { activeNativeAddon } from '../runtime/backend.js';
import { writableView, writeVariable } from '../runtime/compile/host-memory.js';
import { fail } from '../runtime/errors.js';
import type { OptimizerSnapshot } from '../runtime/param-store.js';
import { checkOptions, type OptionSpecs } from './options.js';

/** A learning rate: fixed, or a function of the step number (0-based). */
export type LearningRate = number | ((step: number) => number);

/** Updates variables from gradients; owns its slot variables (moments) until `dispose`. */
export interface Optimizer {
  readonly name: string;
  /** Apply one update. `grads` maps each variable's name to its gradient (same shape). */
  apply(variables: readonly tf.Variable[], grads: ReadonlyMap<string, tf.Tensor>): void;
  /**
   * The same update as `apply`, computed on the host in one fused loop per variable and written in place
   * (no kernels): each gradient given as values, multiplied by `scale` first (gradient clipping). Returns
   * false, having changed nothing, where the optimiser has no host form.
   */
  applyHost?(entries: readonly HostGradient[]): boolean;
  /** Steps taken so far. */
  readonly iterations: number;
  /**
   * The state (step count, and each param's slots such as Adam's moments) as plain data, by param
   * name: `params` maps the names to the variables this optimiser updates. Saved with the params, it
   * lets a fit resume exactly where it stopped.
   */
  state?(params: ReadonlyMap<string, tf.Variable>): OptimizerSnapshot;
  /** Take back a state from `state(...)` (of an optimiser with the same name) for the variables of `params`. */
  setState?(state: OptimizerSnapshot, params: ReadonlyMap<string, tf.Variable>): void;
  dispose(): void;
}

/** One variable's gradient for `Optimizer.applyHost`. */
export interface HostGradient {
  readonly variable: tf.Variable;
  /** The gradient's values, asked for just before use (a view into backend memory stays valid until the next allocation). */
  readonly grad: () => ArrayLike<number>;
  readonly scale: number;
}

/** A schedule's number argument, checked where the schedule is made. */
function scheduleArg(schedule: string, name: string, value: number, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    fail('invalid-argument', `schedules.${schedule}: ${name} must be ${expected}, got ${String(value)}`, name);
  }
  return value;
}
const nonNegative = (v: number) => v >= 0;
const positive = (v: number) => v > 0;

export const schedules = {
  /** lr * rate^(step / steps). */
  exponentialDecay: (lr: number, rate: number, steps: number) => {
    scheduleArg('exponentialDecay', 'lr', lr, nonNegative, 'a finite number >= 0');
    scheduleArg('exponentialDecay', 'rate', rate, positive, 'a finite number > 0');
    scheduleArg('exponentialDecay', 'steps', steps, positive, 'a finite number > 0');
    return (step: number) => lr * rate ** (step / steps);
  },
  /** Cosine from lr to lrMin over `steps`, then lrMin. */
  cosine: (lr: number, steps: number, lrMin = 0) => {
    scheduleArg('cosine', 'lr', lr, nonNegative, 'a finite number >= 0');
    scheduleArg('cosine', 'steps', steps, positive, 'a finite number > 0');
    scheduleArg('cosine', 'lrMin', lrMin, nonNegative, 'a finite number >= 0');
    return (step: number) => lrMin + 0.5 * (lr - lrMin) * (1 + Math.cos((Math.PI * Math.min(step, steps)) / steps));
  },
  /** lr for `warmup` linear steps from 0, then constant. */
  warmup: (lr: number, warmup: number) => {
    scheduleArg('warmup', 'lr', lr, nonNegative, 'a finite number >= 0');
    scheduleArg('warmup', 'warmup', warmup, positive, 'a finite number > 0');
    return (step: number) => lr * Math.min(1, (step + 1) / warmup);
  },
} as const;

function rateAt(lr: LearningRate, step: number): number {
  const value = typeof lr === 'number' ? lr : lr(step);
  if (!Number.isFinite(value) || value < 0) fail('invalid-argument', `learning rate must be a finite number >= 0, got ${value}`, 'lr');
  return value;
}

/** Slot variables per optimised variable, created lazily as zeros. */
class Slots {
  readonly #slots = new Map<string, tf.Variable>();
  get(v: tf.Variable, slot: string): tf.Variable {
    const key = `${v.name}/${slot}`;
    let s = this.#slots.get(key);
    if (!s) {
      s = tf.variable(tf.zerosLike(v), false);
      this.#slots.set(key, s);
    }
    return s;
  }
  has(v: tf.Variable, slot: string): boolean {
    return this.#slots.has(`${v.name}/${slot}`);
  }
  dispose(): void {
    for (const s of this.#slots.values()) s.dispose();
    this.#slots.clear();
  }
}

type Rule = (v: tf.Variable, g: tf.Tensor, lr: number, t: number, slots: Slots) => void;

/**
 * The host form of a rule: updates `p` in place from gradient `g` times `scale`; `slot(name)` gives a
 * slot's values to update in place.
 */
type HostRule = (p: Float32Array, g: ArrayLike<number>, scale: number, lr: number, t: number, slot: (name: string) => Float32Array) => void;

function optimizer(name: string, lr: LearningRate, rule: Rule, hostRule?: HostRule, slotNames: readonly string[] = []): Optimizer {
  const slots = new Slots();
  let iterations = 0;
  const hostUpdate = (entries: readonly HostGradient[], update: HostRule): void => {
    const rate = rateAt(lr, iterations);
    iterations++;
    // Slots first (their creation allocates), then views: in place where nothing shares the storage.
    tf.tidy(() => entries.forEach((e) => slotNames.forEach((s) => slots.get(e.variable, s))));
    for (const { variable, grad, scale } of entries) {
      const writes: [tf.Variable, Float32Array][] = [];
      const values = (v: tf.Variable): Float32Array => {
        const view = writableView(v);
        if (view) return view;
        const copy = Float32Array.from(v.dataSync());
        writes.push([v, copy]);
        return copy;
      };
      const p = values(variable);
      const slotValues = slotNames.map((s) => values(slots.get(variable, s)));
      update(p, grad(), scale, rate, iterations, (s) => slotValues[slotNames.indexOf(s)]!);
      for (const [v, copy] of writes) writeVariable(v, copy);
    }
  };
  return {
    name,
    get iterations() {
      return iterations;
    },
    apply(variables, grads) {
      const rate = rateAt(lr, iterations);
      iterations++;
      tf.tidy(() => {
        for (const v of variables) {
          const g = grads.get(v.name);
          if (g) rule(v, g, rate, iterations, slots);
        }
      });
    },
    ...(hostRule ? { applyHost: (entries: readonly HostGradient[]) => (hostUpdate(entries, hostRule), true) } : {}),
    state(params) {
      if (!(params instanceof Map)) fail('invalid-argument', `${name}.state(params): params must be a Map from param names to their variables`, 'params');
      const saved: Record<string, Record<string, number[]>> = {};
      for (const [param, v] of params) {
        const own = slotNames.filter((s) => slots.has(v, s));
        if (own.length > 0) saved[param] = Object.fromEntries(own.map((s) => [s, Array.from(slots.get(v, s).dataSync())]));
      }
      return { name, iterations, slots: saved };
    },
    setState(state, params) {
      if (state === null || typeof state !== 'object' || typeof state.slots !== 'object' || state.slots === null) {
        fail('invalid-argument', `${name}.setState: expected a state from optimizer.state(params) ({ name, iterations, slots }), got ${String(state)}`, 'state');
      }
      if (!(params instanceof Map)) fail('invalid-argument', `${name}.setState(state, params): params must be a Map from param names to their variables`, 'params');
      if (state.name !== name) {
        fail('invalid-argument', `${name}.setState: the state is ${String(state.name)}'s; an optimiser takes back only its own state (use ${String(state.name)}, or start its state afresh)`, 'state');
      }
      if (!Number.isInteger(state.iterations) || state.iterations < 0) fail('invalid-argument', `${name}.setState: iterations must be an integer >= 0, got ${String(state.iterations)}`, 'iterations');
      for (const [param, saved] of Object.entries(state.slots)) {
        const v = params.get(param);
        if (!v) continue; // a param this run does not optimise
        for (const [slot, values] of Object.entries(saved)) {
          if (!slotNames.includes(slot)) fail('invalid-argument', `${name}.setState: '${param}' has a slot '${slot}', and ${name} keeps ${slotNames.join(', ') || 'none'}`, param);
          if (values.length !== v.size) fail('invalid-argument', `${name}.setState: slot '${slot}' of '${param}' has ${values.length} values and the param ${v.size}`, param);
          tf.tidy(() => slots.get(v, slot).assign(tf.tensor(values as number[], v.shape, 'float32')));
        }
      }
      iterations = state.iterations;
    },
    dispose: () => slots.dispose(),
  };
}

export interface AdamOptions {
  readonly lr?: LearningRate;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

function adamRule(o: AdamOptions, amsgrad: boolean): Rule {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  return (v, g, lr, t, slots) => {
    const m = slots.get(v, 'm');
    const s = slots.get(v, 'v');
    m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
    s.assign(tf.add(tf.mul(s, b2), tf.mul(tf.square(g), 1 - b2)));
    let second: tf.Tensor = s;
    if (amsgrad) {
      const vmax = slots.get(v, 'vmax');
      vmax.assign(tf.maximum(vmax, s));
      second = vmax;
    }
    const mHat = tf.div(m, 1 - b1 ** t);
    const vHat = tf.div(second, 1 - b2 ** t);
    v.assign(tf.sub(v, tf.mul(lr, tf.div(mHat, tf.add(tf.sqrt(vHat), eps)))));
  };
}

const constants = new Float64Array(7);

/** `adamRule` in one loop per variable, in double precision, each stored value rounded to float32. */
function adamHostRule(o: AdamOptions, amsgrad: boolean): HostRule {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  return (p, g, scale, lr, t, slot) => {
    const m = slot('m');
    const s = slot('v');
    // p -= lr * (m / c1) / (sqrt(v / c2) + eps), with the bias corrections folded into two constants.
    const step = lr / (1 - b1 ** t);
    const root = 1 / Math.sqrt(1 - b2 ** t);
    const keep1 = b1;
    const take1 = (1 - b1) * scale;
    const take2 = (1 - b2) * scale * scale;
    const addon = activeNativeAddon();
    if (addon && g instanceof Float32Array && p.length >= 1024) {
      // The same update in one vectorised native loop (float32, as tfjs's own Adam).
      constants.set([keep1, take1, b2, take2, step, root, eps]);
      addon.adam(p, g, m, s, amsgrad ? slot('vmax') : null, constants);
      return;
    }
    if (amsgrad) {
      const vmax = slot('vmax');
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = keep1 * m[i]! + take1 * gi);
        const si = (s[i] = b2 * s[i]! + take2 * gi * gi);
        const top = (vmax[i] = si > vmax[i]! ? si : vmax[i]!);
        p[i] = p[i]! - (step * mi) / (Math.sqrt(top) * root + eps);
      }
      return;
    }
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = (m[i] = keep1 * m[i]! + take1 * gi);
      const si = (s[i] = b2 * s[i]! + take2 * gi * gi);
      p[i] = p[i]! - (step * mi) / (Math.sqrt(si) * root + eps);
    }
  };
}

/** Adam (Kingma & Ba); default lr 1e-3. */
const ADAM_OPTIONS: OptionSpecs = {
  lr: { kind: 'learningRate' },
  beta1: { kind: 'number', min: 0, below: 1 },
  beta2: { kind: 'number', min: 0, below: 1 },
  eps: { kind: 'number', above: 0 },
};

const checked = <O>(name: string, specs: OptionSpecs, o: O): O => (checkOptions(name, o, specs), o);

export const adam = (o: AdamOptions = {}): Optimizer => (checked('adam', ADAM_OPTIONS, o), optimizer('adam', o.lr ?? 1e-3, adamRule(o, false), adamHostRule(o, false), ['m', 'v']));

/** AMSGrad: Adam with a non-decreasing second-moment estimate (Reddi et al.). */
export const amsgrad = (o: AdamOptions = {}): Optimizer => (checked('amsgrad', ADAM_OPTIONS, o), optimizer('amsgrad', o.lr ?? 1e-3, adamRule(o, true), adamHostRule(o, true), ['m', 'v', 'vmax']));

export interface RmspropOptions {
  readonly lr?: LearningRate;
  readonly decay?: number;
  readonly eps?: number;
}

/** RMSProp; default lr 1e-3, decay 0.9. */
export const rmsprop = (o: RmspropOptions = {}): Optimizer => {
  checked('rmsprop', { lr: { kind: 'learningRate' }, decay: { kind: 'number', min: 0, below: 1 }, eps: { kind: 'number', above: 0 } }, o);
  const decay = o.decay ?? 0.9;
  const eps = o.eps ?? 1e-8;
  return optimizer(
    'rmsprop',
    o.lr ?? 1e-3,
    (v, g, lr, _t, slots) => {
      const ms = slots.get(v, 'ms');
      ms.assign(tf.add(tf.mul(ms, decay), tf.mul(tf.square(g), 1 - decay)));
      v.assign(tf.sub(v, tf.mul(lr, tf.div(g, tf.add(tf.sqrt(ms), eps)))));
    },
    (p, g, scale, lr, _t, slot) => {
      const ms = slot('ms');
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * scale;
        const si = (ms[i] = decay * ms[i]! + (1 - decay) * gi * gi);
        p[i] = p[i]! - lr * (gi / (Math.sqrt(si) + eps));
      }
    },
    ['ms'],
  );
};

export interface SgdOptions {
  readonly lr?: LearningRate;
  readonly momentum?: number;
}

/** Stochastic gradient descent with optional (heavy-ball) momentum; default lr 1e-2. */
export const sgd = (o: SgdOptions = {}): Optimizer => {
  checked('sgd', { lr: { kind: 'learningRate' }, momentum: { kind: 'number', min: 0, below: 1 } }, o);
  const momentum = o.momentum ?? 0;
  return optimizer(
    'sgd',
    o.lr ?? 1e-2,
    (v, g, lr, _t, slots) => {
      if (momentum === 0) {
        v.assign(tf.sub(v, tf.mul(lr, g)));
        return;
      }
      const buf = slots.get(v, 'momentum');
      buf.assign(tf.add(tf.mul(buf, momentum), g));
      v.assign(tf.sub(v, tf.mul(lr, buf)));
    },
    (p, g, scale, lr, _t, slot) => {
      const buf = momentum === 0 ? undefined : slot('momentum');
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * scale;
        p[i] = p[i]! - lr * (buf ? (buf[i] = momentum * buf[i]! + gi) : gi);
      }
    },
    momentum === 0 ? [] : ['momentum'],
  );
};
