import * as tf from '@tensorflow/tfjs';
import { fail } from '../../../runtime/errors.js';
import { asTensorValue, itemAxis, type RValue } from '../values.js';
import { real, type FunctionSpec, type Reporter, type StaticArg } from './spec.js';

/** Reductions over item dims (all of them, or one axis) and normalisations over the last dim. */

function axisOf(arg: StaticArg | undefined, rank: number, report: Reporter, name: string): number | null | undefined {
  if (!arg) return null;
  const c = arg.type.constant;
  if (c === undefined || !Number.isInteger(c)) {
    report(arg.span, `${name}: the axis must be an integer constant`, 'write e.g. sum(x, 0) for the first dim of x, or sum(x) for all of them', 'not-constant');
    return undefined;
  }
  if (c < -rank || c >= rank) {
    report(arg.span, `${name}: axis ${c} is out of range for a value with ${rank} dim${rank === 1 ? '' : 's'}`, rank === 0 ? 'a scalar has no axes: drop the axis' : `use an axis from ${-rank} to ${rank - 1}`, 'index-out-of-range');
    return undefined;
  }
  return c < 0 ? rank + c : c;
}

function reduction(name: string, summary: string, onTensor: (x: tf.Tensor, axes: number[]) => tf.Tensor): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 1,
    maxArgs: 2,
    params: ['x', 'axis'],
    type([x, axisArg], _call, report) {
      const axis = axisOf(axisArg, x!.type.item.length, report, name);
      if (axis === undefined) return undefined;
      if (axis === null) return real([]);
      return real(x!.type.item.filter((_, i) => i !== axis));
    },
    run([x, axisValue]) {
      // A scalar's sum, mean, max, min and logSumExp is itself.
      if (typeof x === 'number' || x!.itemRank === 0) return x!;
      const axes =
        axisValue === undefined
          ? Array.from({ length: x!.itemRank }, (_, i) => itemAxis(x!, i))
          : [itemAxis(x!, requireInteger(axisValue, `${name}: axis`))];
      return { tensor: onTensor(x!.tensor, axes), itemRank: x!.itemRank - axes.length };
    },
  };
}

function requireInteger(v: RValue, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('invalid-argument', `${what} must be an integer, got ${typeof v === 'number' ? v : 'a tensor'}`);
  return v;
}

function lastAxis(name: string, summary: string, onTensor: (x: tf.Tensor) => tf.Tensor): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 1,
    maxArgs: 1,
    params: ['x'],
    type([x], call, report) {
      if (x!.type.item.length === 0) {
        report(call, `${name} needs a vector (it normalises over the last dim), got a scalar`, `apply ${name} to a value with at least one dim, e.g. logits of shape [K]`);
        return undefined;
      }
      return real(x!.type.item);
    },
    run([x]) {
      const v = asTensorValue(x!);
      return { tensor: onTensor(v.tensor), itemRank: v.itemRank };
    },
  };
}

export const REDUCTIONS: readonly FunctionSpec[] = [
  reduction('sum', 'sum(x[, axis]): sum over all dims of x, or over one axis', (x, axes) => tf.sum(x, axes)),
  reduction('mean', 'mean(x[, axis]): mean over all dims of x, or over one axis', (x, axes) => tf.mean(x, axes)),
  reduction('logSumExp', 'logSumExp(x[, axis]): log(sum(exp(x))), computed stably', (x, axes) => tf.logSumExp(x, axes)),
  reduction('max', 'max(x[, axis]): largest entry', (x, axes) => tf.max(x, axes)),
  reduction('min', 'min(x[, axis]): smallest entry', (x, axes) => tf.min(x, axes)),
  lastAxis('softmax', 'softmax(x): exp(x) normalised over the last dim', (x) => tf.softmax(x)),
  lastAxis('logSoftmax', 'logSoftmax(x): x - logSumExp(x) over the last dim', (x) => tf.logSoftmax(x)),
];
