import * as tf from '@tensorflow/tfjs';
import { factor, observe, plate, sample } from '../../primitives.js';
import type { BlockDecl, DistCall, Statement } from '../ast.js';
import { bindArguments } from '../bind-args.js';
import { DISTRIBUTIONS } from '../distributions.js';
import { asFloat, at, type ExprCompiler } from '../lower-expr.js';
import type { LowerOptions } from '../lower.js';
import { indexByPlates } from '../plate-index.js';
import type { ProgramInfo } from '../program-info.js';
import { itemShape, type TensorValue } from '../values.js';
import { buildDraw, type DrawBuilder } from './draw.js';
import { positiveInteger, type Run } from './run.js';

/** A lowered statement or block: runs it once, in the run given. */
export type Exec = (run: Run) => void;

/**
 * Lowers a block's statements to closures over its AST. Shapes at run time are `batch ++ item`
 * (values.ts); the item dims of a draw become its event dims, so plates and particles own every
 * batch dim, exactly as in a hand-written TypeScript model.
 */
export class StatementLowering {
  constructor(
    private readonly info: ProgramInfo,
    private readonly options: LowerOptions,
    private readonly exprs: ExprCompiler,
  ) {}

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
        const value = this.exprs.compile(s.value);
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
        const size = this.exprs.compile(s.size);
        const subsampleExpr = s.options.find((o) => o.name?.name === 'subsample')?.value;
        const subsample = subsampleExpr ? this.exprs.compile(subsampleExpr) : undefined;
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
        const value = this.exprs.compile(s.value);
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
    const args = [...bound].map(([name, a]) => [name, this.exprs.compile(a.value)] as const);
    const iid = call.shape.map((e) => this.exprs.compile(e));
    const where = `${spec.name} at ${at(call)}`;
    return (run, observedItem) => buildDraw(spec, new Map(args.map(([name, ev]) => [name, ev(run)])), iid.map((e, i) => positiveInteger(e(run), `${where}: draw dim ${i + 1}`)), observedItem, where);
  }
}

function sumItems(v: TensorValue): tf.Tensor {
  if (v.itemRank === 0) return v.tensor;
  const axes = Array.from({ length: v.itemRank }, (_, i) => v.tensor.rank - v.itemRank + i);
  return tf.sum(v.tensor, axes);
}
