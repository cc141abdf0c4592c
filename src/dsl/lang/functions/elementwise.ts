import * as tf from '@tensorflow/tfjs';
import { lgamma, digamma, lgammaNumber } from '../../math/special.js';
import { aligned, asTensorValue } from '../values.js';
import { broadcastOrReport, type FunctionSpec } from './spec.js';

/** Elementwise functions of one and two arguments (the two broadcast). */

function unary(name: string, summary: string, onNumber: ((x: number) => number) | undefined, onTensor: (x: tf.Tensor) => tf.Tensor, positive = false): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 1,
    maxArgs: 1,
    params: ['x'],
    type([x]) {
      const t = x!.type;
      const constant = t.constant !== undefined && onNumber ? onNumber(t.constant) : undefined;
      return { item: t.item, elem: 'real', ...(constant !== undefined ? { constant } : {}), ...(positive ? { positive } : {}) };
    },
    run([x]) {
      if (typeof x === 'number') return onNumber ? onNumber(x) : onTensor(tf.scalar(x)).dataSync()[0]!;
      return { tensor: onTensor(x!.tensor), itemRank: x!.itemRank };
    },
  };
}

const softplusNumber = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));

function binary(name: string, summary: string, onNumbers: (a: number, b: number) => number, onTensors: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): FunctionSpec {
  return {
    name,
    summary,
    minArgs: 2,
    maxArgs: 2,
    params: ['a', 'b'],
    type([a, b], call, report) {
      const joined = broadcastOrReport(a!, b!, call, report, name);
      if (!joined) return undefined;
      const constant = a!.type.constant !== undefined && b!.type.constant !== undefined ? onNumbers(a!.type.constant, b!.type.constant) : undefined;
      return { item: joined, elem: 'real', ...(constant !== undefined ? { constant } : {}) };
    },
    run([a, b]) {
      if (typeof a === 'number' && typeof b === 'number') return onNumbers(a, b);
      const [x, y, rank] = aligned(asTensorValue(a!), asTensorValue(b!));
      return { tensor: onTensors(x, y), itemRank: rank };
    },
  };
}

export const ELEMENTWISE: readonly FunctionSpec[] = [
  unary('exp', 'exp(x): e^x, elementwise', Math.exp, (x) => tf.exp(x), true),
  unary('log', 'log(x): natural logarithm', Math.log, (x) => tf.log(x)),
  unary('log1p', 'log1p(x): log(1 + x), accurate near 0', Math.log1p, (x) => tf.log1p(x)),
  unary('expm1', 'expm1(x): e^x - 1, accurate near 0', Math.expm1, (x) => tf.expm1(x)),
  unary('sqrt', 'sqrt(x): square root', Math.sqrt, (x) => tf.sqrt(x)),
  unary('square', 'square(x): x * x', (x) => x * x, (x) => tf.square(x)),
  unary('abs', 'abs(x): absolute value', Math.abs, (x) => tf.abs(x)),
  unary('sin', 'sin(x)', Math.sin, (x) => tf.sin(x)),
  unary('cos', 'cos(x)', Math.cos, (x) => tf.cos(x)),
  unary('tanh', 'tanh(x): hyperbolic tangent', Math.tanh, (x) => tf.tanh(x)),
  unary('sigmoid', 'sigmoid(x): 1 / (1 + e^-x)', (x) => 1 / (1 + Math.exp(-x)), (x) => tf.sigmoid(x), true),
  unary('softplus', 'softplus(x): log(1 + e^x), a smooth positive function', softplusNumber, (x) => tf.softplus(x), true),
  unary('relu', 'relu(x): max(x, 0)', (x) => Math.max(x, 0), (x) => tf.relu(x)),
  unary('logit', 'logit(p): log(p / (1 - p))', (p) => Math.log(p) - Math.log1p(-p), (p) => tf.sub(tf.log(p), tf.log1p(tf.neg(p)))),
  unary('lgamma', 'lgamma(x): log Gamma(x)', lgammaNumber, (x) => lgamma(x)),
  unary('digamma', 'digamma(x): d/dx log Gamma(x)', undefined, (x) => digamma(x)),
  binary('pow', 'pow(a, b): a^b (also written a ^ b)', Math.pow, (a, b) => tf.pow(a, b)),
  binary('maximum', 'maximum(a, b): elementwise larger of a and b', Math.max, (a, b) => tf.maximum(a, b)),
  binary('minimum', 'minimum(a, b): elementwise smaller of a and b', Math.min, (a, b) => tf.minimum(a, b)),
];
