import * as tf from '@tensorflow/tfjs';
import { fail } from '../../../runtime/errors.js';
import { dense, mlp } from '../../nn.js';
import { param } from '../../primitives.js';
import type { RunEnv } from '../lower-expr.js';
import { constraintOf, defaultInit } from '../param-types.js';
import type { PlateFrame } from '../plate-index.js';
import type { RValue } from '../values.js';
import type { DataRecord } from '../data-spec.js';
import type { Globals } from './declarations.js';

/** A size computed at run time (a shape entry, a plate's size or subsample) checked to be a positive integer. */
export function positiveInteger(v: RValue, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('invalid-argument', `${what} must be a positive integer, got ${typeof v === 'number' ? v : 'a tensor'}`);
  return v;
}

/** One run of a program: its data, sizes, scopes and the plates it is inside. Holds no tensors beyond the run. */
export class Run implements RunEnv {
  readonly #constants = new Map<string, RValue>();
  readonly #params = new Map<string, tf.Tensor>();
  readonly #nets = new Map<string, (x: tf.Tensor) => tf.Tensor>();
  readonly #plates = new Map<string, PlateFrame>();
  readonly #frames: Map<string, RValue>[] = [new Map()];

  constructor(
    readonly data: DataRecord,
    readonly sizes: Readonly<Record<string, number>>,
    private readonly globals: Globals,
  ) {}

  constant(name: string): RValue {
    let v = this.#constants.get(name);
    if (v === undefined) {
      v = this.globals.consts.get(name)!(this);
      this.#constants.set(name, v);
    }
    return v;
  }

  param(name: string): tf.Tensor {
    const cached = this.#params.get(name);
    if (cached) return cached;
    const plan = this.globals.params.get(name)!;
    const shape = plan.shape.map((d, i) => positiveInteger(d(this), `param '${name}': dim ${i + 1}`));
    const init = (): tf.Tensor => {
      if (!plan.init) return defaultInit(plan.type, plan.bounds, shape);
      const v = plan.init(this);
      return typeof v === 'number' ? tf.fill(shape, v) : tf.broadcastTo(tf.cast(v.tensor, 'float32'), shape);
    };
    const value = param(name, init, { constraint: constraintOf(plan.type, plan.bounds) });
    if (!tf.util.arraysEqual(value.shape, shape)) {
      fail(
        'shape-mismatch',
        `param '${name}' in the param store has shape [${value.shape.join(', ')}] but the program declares ${plan.declared} = [${shape.join(', ')}]; ` +
          `the store holds params from another program or data size: clear it (clearParamStore()) or load matching params`,
        name,
      );
    }
    this.#params.set(name, value);
    return value;
  }

  net(name: string): (x: tf.Tensor) => tf.Tensor {
    let f = this.#nets.get(name);
    if (!f) {
      const plan = this.globals.nets.get(name)!;
      const sizes = plan.sizes.map((s, i) => positiveInteger(s(this), `net '${name}': size ${i + 1}`));
      f =
        plan.builder === 'dense'
          ? dense(name, sizes[0]!, sizes[1]!, plan.activation ? { activation: plan.activation } : {})
          : mlp(name, sizes, { ...(plan.activation ? { activation: plan.activation } : {}), ...(plan.output ? { outputActivation: plan.output } : {}) });
      this.#nets.set(name, f);
    }
    return f;
  }

  plate(name: string): PlateFrame {
    const p = this.#plates.get(name);
    if (!p) fail('invalid-argument', `plate '${name}' is not entered here`);
    return p;
  }

  local(name: string): RValue {
    for (let i = this.#frames.length - 1; i >= 0; i--) {
      const v = this.#frames[i]!.get(name);
      if (v !== undefined) return v;
    }
    return fail('invalid-argument', `'${name}' is not defined at this point of the program`);
  }

  define(name: string, v: RValue): void {
    this.#frames[this.#frames.length - 1]!.set(name, v);
  }

  inside<T>(frame: PlateFrame, body: () => T): T {
    this.#plates.set(frame.name, frame);
    this.#frames.push(new Map());
    try {
      return body();
    } finally {
      this.#frames.pop();
      this.#plates.delete(frame.name);
    }
  }
}
