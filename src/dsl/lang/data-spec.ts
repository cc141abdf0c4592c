import * as tf from '@tensorflow/tfjs';
import { fail } from '../../runtime/errors.js';
import type { Elem } from './static-shapes.js';

/** One `data` declaration: its name, element type and shape (numbers and size names). */
export interface DataVariable {
  readonly name: string;
  readonly element: Elem;
  readonly shape: readonly (number | string)[];
}

/** A record of data tensors by declared name: what compiled programs take. */
export type DataRecord = Readonly<Record<string, tf.Tensor>>;

/**
 * What data a compiled program reads. `bind` checks shapes and returns the sizes named in them
 * (cheap: compiled programs call it on every run); `validate` checks values (finite, integers,
 * 0/1), which reads the data back from the backend, so callers do it once per data set.
 *
 * @example
 * const { dataSpec } = compile(text);
 * dataSpec.validate({ x });            // throws on NaN, or non-integers in int data
 * const { N } = dataSpec.bind({ x });  // N read from x's first dim
 */
export interface DataSpec {
  readonly variables: readonly DataVariable[];
  /** Sizes by name from the tensors' shapes; throws a RouletteError naming the variable and dim. */
  bind(data: DataRecord): Readonly<Record<string, number>>;
  /** Check every value: finite, integral for int, 0/1 for bool. Throws a RouletteError naming the entry. */
  validate(data: DataRecord): void;
  /** `x: real[N, 784]` */
  describe(name: string): string;
}

function declared(v: DataVariable): string {
  return `${v.name}: ${v.element}${v.shape.length > 0 ? `[${v.shape.join(', ')}]` : ''}`;
}

/** Row-major index of a flat position, e.g. [3, 1], for error messages. */
export function indexOf(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return index;
}

/**
 * The spec of a program's data declarations (`compile` builds it from the file).
 *
 * @example
 * const spec = dataSpec([{ name: 'x', element: 'real', shape: ['N', 784] }]);
 * spec.bind({ x: tf.zeros([10, 784]) }); // { N: 10 }
 */
export function dataSpec(variables: readonly DataVariable[]): DataSpec {
  const byName = new Map(variables.map((v) => [v.name, v]));
  return {
    variables,
    describe: (name) => {
      const v = byName.get(name);
      return v ? declared(v) : name;
    },
    bind(data) {
      if (typeof data !== 'object' || data === null || data instanceof tf.Tensor) {
        fail('invalid-argument', `a compiled program takes one argument, a record of data tensors by name (e.g. { ${variables.map((v) => v.name).join(', ')} }), got ${data instanceof tf.Tensor ? 'a tensor' : typeof data}`);
      }
      const sizes: Record<string, number> = {};
      const boundBy: Record<string, string> = {};
      for (const v of variables) {
        const t = data[v.name];
        if (t === undefined) {
          fail('invalid-argument', `data '${v.name}' is missing: the program declares ${declared(v)}; pass it in the data record`, v.name);
        }
        if (!(t instanceof tf.Tensor)) fail('invalid-argument', `data '${v.name}' must be a tf.Tensor, got ${typeof t}`, v.name);
        if (t.rank !== v.shape.length) {
          fail('shape-mismatch', `data '${v.name}' has shape [${t.shape.join(', ')}] but is declared ${declared(v)} (${v.shape.length} dim${v.shape.length === 1 ? '' : 's'}, not ${t.rank})`, v.name);
        }
        v.shape.forEach((dim, i) => {
          const actual = t.shape[i]!;
          if (typeof dim === 'number') {
            if (actual !== dim) fail('shape-mismatch', `data '${v.name}' has shape [${t.shape.join(', ')}] but is declared ${declared(v)}: dim ${i + 1} is ${actual}, expected ${dim}`, v.name);
            return;
          }
          const known = sizes[dim];
          if (known === undefined) {
            sizes[dim] = actual;
            boundBy[dim] = v.name;
          } else if (known !== actual) {
            fail('shape-mismatch', `size ${dim} is ${known} from data '${boundBy[dim]}' but ${actual} from data '${v.name}' (declared ${declared(v)})`, v.name);
          }
        });
      }
      return sizes;
    },
    validate(data) {
      for (const v of variables) {
        const t = data[v.name];
        if (!t) continue;
        const values = t.dataSync();
        for (let i = 0; i < values.length; i++) {
          const x = values[i]!;
          const problem = !Number.isFinite(x)
            ? `is ${x}`
            : v.element === 'int' && !Number.isInteger(x)
              ? `is ${x}, not an integer`
              : v.element === 'bool' && x !== 0 && x !== 1
                ? `is ${x}, not 0 or 1`
                : undefined;
          if (problem) {
            const at = t.rank > 0 ? ` at [${indexOf(i, t.shape).join(', ')}]` : '';
            fail('invalid-argument', `data '${v.name}'${at} ${problem} (declared ${declared(v)})`, v.name);
          }
        }
      }
    },
  };
}
