import * as tf from '@tensorflow/tfjs';
// Primitives do nothing without the runtime's default action (sampling, param lookup, subsampling);
// roulette-ppl/lang can be imported without the root module, so it registers it too.
import '../../runtime/default-action.js'; // also imported by primitives; kept for lowering without the root module
import { plate } from '../../runtime/handlers/plate.js';
import { fail } from '../../runtime/errors.js';
import type { Distribution } from '../distributions/distribution.js';
import { dense, mlp, type Activation } from '../nn.js';
import { factor, observe, param, sample } from '../primitives.js';
import type { BlockDecl, DistCall, Expr, NetDecl, ParamDecl, Program, Statement } from './ast.js';
import { bindArguments } from './bind-args.js';
import { isActivation } from './nets.js';
import type { DataRecord, DataSpec } from './data-spec.js';
import { DISTRIBUTIONS, type DistSpec } from './distributions.js';
import { asFloat, at, ExprCompiler, type Eval, type RunEnv } from './lower-expr.js';
import { constraintOf, defaultInit, type Bounds, type ParamTypeName } from './param-types.js';
import { indexByPlates, type PlateFrame } from './plate-index.js';
import type { ProgramInfo } from './program-info.js';
import { itemRankOf, itemShape, type RValue, type TensorValue } from './values.js';

/** A compiled model or guide: a synchronous program of one argument, the data record. */
export type DataProgram = (data: DataRecord) => void;

export interface LowerOptions {
  /**
   * Override plates' subsample sizes: by plate name, a number (at most the plate's size; larger
   * values take the whole plate) or 'full'; or 'none' to subsample no plate (for evaluation).
   */
  readonly subsample?: Readonly<Record<string, number | 'full'>> | 'none';
  /** Subsample the model's top-level plates (the data plates) to at most this many (the CLI's --batch). */
  readonly batch?: number;
}

interface ParamPlan {
  readonly type: ParamTypeName;
  readonly bounds: Bounds;
  readonly shape: readonly Eval[];
  readonly init: Eval | undefined;
  readonly declared: string;
}

interface NetPlan {
  readonly builder: 'mlp' | 'dense';
  readonly sizes: readonly Eval[];
  readonly activation: Activation | undefined;
  readonly output: Activation | undefined;
}

/** Declarations compiled once: what every run of the model or the guide reads. */
interface Globals {
  readonly consts: ReadonlyMap<string, Eval>;
  readonly params: ReadonlyMap<string, ParamPlan>;
  readonly nets: ReadonlyMap<string, NetPlan>;
}

function positiveInteger(v: RValue, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('invalid-argument', `${what} must be a positive integer, got ${typeof v === 'number' ? v : 'a tensor'}`);
  return v;
}

/** One run of a program: its data, sizes, scopes and the plates it is inside. Holds no tensors beyond the run. */
class Run implements RunEnv {
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

type Exec = (run: Run) => void;

/** A distribution call lowered to a builder: arguments laid out on item dims, iid dims expanded. */
type DrawBuilder = (run: Run, observedItem: readonly number[] | undefined) => { dist: Distribution; itemRank: number };

/**
 * Lowers a checked program to closures over its AST. Shapes at run time are `batch ++ item`
 * (values.ts); the item dims of a draw become its event dims, so plates and particles own every
 * batch dim, exactly as in a hand-written TypeScript model.
 */
class Lowering {
  readonly #exprs: ExprCompiler;

  constructor(
    private readonly info: ProgramInfo,
    private readonly options: LowerOptions,
  ) {
    this.#exprs = new ExprCompiler(info);
  }

  globals(program: Program): Globals {
    const consts = new Map<string, Eval>();
    const params = new Map<string, ParamPlan>();
    const nets = new Map<string, NetPlan>();
    for (const d of program.declarations) {
      if (d.kind === 'const') consts.set(d.name.name, this.#exprs.compile(d.value));
      if (d.kind === 'param') params.set(d.name.name, this.#paramPlan(d));
      if (d.kind === 'net') nets.set(d.name.name, this.#netPlan(d));
    }
    return { consts, params, nets };
  }

  #paramPlan(d: ParamDecl): ParamPlan {
    const bound = bindArguments(d.type.args, { what: 'real', positional: [], names: ['lower', 'upper'] }, () => undefined) ?? new Map();
    const constant = (key: string): number | undefined => {
      const e = bound.get(key)?.value;
      return e ? constantOf(e) : undefined;
    };
    const type = d.type.name.name as ParamTypeName;
    const shapeText = d.type.shape.length > 0 ? `[${d.type.shape.map((e) => exprText(e)).join(', ')}]` : '';
    return {
      type,
      bounds: { lower: constant('lower'), upper: constant('upper') },
      shape: d.type.shape.map((e) => this.#exprs.compile(e)),
      init: d.init ? this.#exprs.compile(d.init) : undefined,
      declared: `${type}${shapeText}`,
    };
  }

  #netPlan(d: NetDecl): NetPlan {
    const sizes: Eval[] = [];
    let activation: Activation | undefined;
    let output: Activation | undefined;
    for (const a of d.args) {
      // A bare activation name the checker did not resolve as a value is the hidden activation.
      const e = a.value;
      const name = e.kind === 'name' && isActivation(e.name) && !this.info.resolutions.has(e) ? e.name : undefined;
      if (a.name?.name === 'activation') activation = name;
      else if (a.name?.name === 'output') output = name;
      else if (name) activation = name;
      else sizes.push(this.#exprs.compile(e));
    }
    return { builder: d.builder.name === 'dense' ? 'dense' : 'mlp', sizes, activation, output };
  }

  block(block: BlockDecl): Exec {
    return this.#statements(block.body);
  }

  #statements(body: readonly Statement[]): Exec {
    const steps = body.map((s) => this.#statement(s));
    return (run) => {
      for (const step of steps) step(run);
    };
  }

  #statement(s: Statement): Exec {
    switch (s.kind) {
      case 'assign': {
        const value = this.#exprs.compile(s.value);
        const name = s.target.name;
        return (run) => run.define(name, value(run));
      }
      case 'sample': {
        const name = s.target.name;
        const enumerate = s.enumerate ? { enumerate: true } : undefined;
        const build = this.#draw(s.dist);
        const sampleInfo = this.info.samples.get(s);
        if (sampleInfo?.observed) {
          const gathers = sampleInfo.gathers;
          return (run) => {
            const raw = asFloat(run.data[name]!);
            const value = indexByPlates({ tensor: raw, itemRank: raw.rank }, gathers.map((p) => run.plate(p)), `data '${name}'`);
            const { dist } = build(run, itemShape(value));
            observe(name, dist, value.tensor);
          };
        }
        return (run) => {
          const { dist, itemRank } = build(run, undefined);
          run.define(name, { tensor: sample(name, dist, enumerate), itemRank });
        };
      }
      case 'plate': {
        const name = s.name.name;
        const size = this.#exprs.compile(s.size);
        const subsampleExpr = s.options.find((o) => o.name?.name === 'subsample')?.value;
        const subsample = subsampleExpr ? this.#exprs.compile(subsampleExpr) : undefined;
        const { subsample: overrides, batch } = this.options;
        const topLevel = this.info.plates.get(name)!.parent === undefined;
        const override = overrides === 'none' ? 'full' : (overrides?.[name] ?? (topLevel ? batch : undefined));
        const dim = this.info.plates.get(name)!.dim;
        const body = this.#statements(s.body);
        return (run) => {
          const n = positiveInteger(size(run), `plate '${name}': size`);
          let b = subsample ? positiveInteger(subsample(run), `plate '${name}': subsample`) : n;
          if (override !== undefined) b = override === 'full' ? n : Math.min(positiveInteger(override, `subsample of plate '${name}'`), n);
          plate(
            name,
            n,
            (indices) => run.inside({ name, indices, size: n, subsampleSize: indices.shape[0]!, dim }, () => body(run)),
            { ...(b < n ? { subsample: b } : {}), dim },
          );
        };
      }
      case 'factor': {
        const value = this.#exprs.compile(s.value);
        const site = `factor@${at(s)}`;
        return (run) => {
          const v = value(run);
          factor(site, typeof v === 'number' ? v : sumItems(v));
        };
      }
    }
  }

  #draw(call: DistCall): DrawBuilder {
    const spec = DISTRIBUTIONS.get(call.name.name)!;
    const bound = bindArguments(call.args, { what: spec.name, positional: spec.positional, names: spec.args.map((a) => a.name) }, () => undefined) ?? new Map();
    const args = [...bound].map(([name, a]) => [name, this.#exprs.compile(a.value)] as const);
    const iid = call.shape.map((e) => this.#exprs.compile(e));
    const where = `${spec.name} at ${at(call)}`;
    return (run, observedItem) => buildDraw(spec, new Map(args.map(([name, ev]) => [name, ev(run)])), iid.map((e, i) => positiveInteger(e(run), `${where}: draw dim ${i + 1}`)), observedItem, where);
  }
}

function sumItems(v: TensorValue): tf.Tensor {
  if (v.itemRank === 0) return v.tensor;
  const axes = Array.from({ length: v.itemRank }, (_, i) => v.tensor.rank - v.itemRank + i);
  return tf.sum(v.tensor, axes);
}

/**
 * Build a draw's distribution. Item shape = iid ++ outer ++ event, where outer is the broadcast of
 * the arguments' item dims beyond what one draw consumes (a categorical's categories, a matrix
 * scale). Arguments are laid out as batch ++ 1s ++ item so the library broadcasts batch with batch;
 * the iid dims (and, for observations, any leading data dims the distribution lacks) are expanded,
 * and every item dim becomes an event dim.
 */
export function buildDraw(
  spec: DistSpec,
  values: ReadonlyMap<string, RValue>,
  iid: readonly number[],
  observedItem: readonly number[] | undefined,
  where: string,
): { dist: Distribution; itemRank: number } {
  const itemRanks = new Map<string, number>();
  const itemShapes = new Map<string, number[]>();
  const outerRanks = new Map<string, number>();
  for (const a of spec.args) {
    const v = values.get(a.name);
    if (v === undefined) continue;
    const r = itemRankOf(v);
    itemRanks.set(a.name, r);
    itemShapes.set(a.name, typeof v === 'number' ? [] : itemShape(v));
    outerRanks.set(a.name, a.nativeRank === 'all' ? 0 : Math.max(0, r - a.nativeRank));
  }
  const outer = Math.max(0, ...outerRanks.values());
  const eventRank = spec.eventShape(itemShapes).length;
  const implicit = observedItem ? Math.max(0, observedItem.length - (iid.length + outer + eventRank)) : 0;
  const extra = iid.length + implicit;
  const tail = extra + outer;
  const laid = new Map<string, number | tf.Tensor>();
  for (const [name, v] of values) {
    if (typeof v === 'number') {
      laid.set(name, v);
      continue;
    }
    const pad = tail - outerRanks.get(name)!;
    const batch = v.tensor.shape.slice(0, v.tensor.rank - v.itemRank);
    laid.set(name, pad > 0 ? tf.reshape(v.tensor, [...batch, ...new Array<number>(pad).fill(1), ...itemShape(v)]) : v.tensor);
  }
  let dist: Distribution = spec.build(laid, itemRanks);
  const batch = dist.batchShape;
  const padded = [...new Array<number>(Math.max(0, tail - batch.length)).fill(1), ...batch];
  const lead = padded.slice(0, padded.length - tail);
  let target: number[];
  if (observedItem) {
    if (observedItem.length < tail + eventRank) {
      fail('shape-mismatch', `${where}: draws of shape [${[...padded.slice(padded.length - tail), ...dist.eventShape].join(', ')}] do not fit data with item shape [${observedItem.join(', ')}]`);
    }
    target = [...lead, ...observedItem.slice(0, observedItem.length - eventRank)];
  } else {
    target = [...lead, ...iid, ...padded.slice(padded.length - outer)];
  }
  if (!tf.util.arraysEqual(target, [...batch])) dist = dist.expand(target);
  if (tail > 0) dist = dist.toEvent(tail);
  return { dist, itemRank: tail + eventRank };
}

/** A constant expression's value (numbers and arithmetic on them), for param bounds. */
function constantOf(e: Expr): number | undefined {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'unary': {
      const v = constantOf(e.operand);
      return v === undefined ? undefined : -v;
    }
    case 'binary': {
      const [a, b] = [constantOf(e.left), constantOf(e.right)];
      if (a === undefined || b === undefined) return undefined;
      return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : e.op === '/' ? a / b : a ** b;
    }
    default:
      return undefined;
  }
}

function exprText(e: Expr): string {
  return e.kind === 'number' ? e.text : e.kind === 'name' ? e.name : '...';
}

export interface Lowered {
  readonly model: DataProgram;
  readonly guide: DataProgram | undefined;
}

/** Lower a checked program (its AST and the checker's info) to model and guide programs. */
export function lower(program: Program, info: ProgramInfo, spec: DataSpec, options: LowerOptions = {}): Lowered {
  const lowering = new Lowering(info, options);
  const globals = lowering.globals(program);
  const blockOf = (kind: 'model' | 'guide') => program.declarations.find((d): d is BlockDecl => d.kind === kind);
  const make = (block: BlockDecl): DataProgram => {
    const body = lowering.block(block);
    return (data) => {
      const sizes = spec.bind(data);
      body(new Run(data, sizes, globals));
    };
  };
  const model = blockOf('model');
  const guide = blockOf('guide');
  if (!model) fail('invalid-argument', 'the program has no model block');
  return { model: make(model), guide: guide ? make(guide) : undefined };
}
