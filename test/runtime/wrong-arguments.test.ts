import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as dist from '../../src/dsl/distributions/index.js';
import { check, compile } from '../../src/dsl/lang/index.js';
import { observe, param, sample } from '../../src/dsl/primitives.js';
import { gradients, elbo, logLikelihood } from '../../src/inference/index.js';
import { block, condition, mask, particles, plate, replay, scale, seed, setSeed, substitute, trace, Trace } from '../../src/index.js';

/**
 * Issue 17's sweep: public functions given a wrong argument of each kind answer with an error that
 * names the function, the argument and what it takes, not a TypeError from deep inside (or nothing,
 * and a failure at the first run).
 */
const model = (x: tf.Tensor): void => {
  const z = sample('z', dist.normal(0, 1));
  observe('x', dist.normal(z, 1), x);
};
const guide = (): void => {
  sample('z', dist.normal(param('wrong-args.loc', 0), 1));
};

const cases: ReadonlyArray<readonly [string, () => unknown, RegExp]> = [
  ['trace of a number', () => trace(3 as never), /^trace: the program must be a function \(a model or guide\), got a number \(3\)$/],
  ['replay of a string', () => replay('m' as never, new Trace()), /^replay: the program must be a function/],
  ['particles of undefined', () => particles(undefined as never, 2), /^particles: the program must be a function .* got undefined$/],
  ['block, mask, scale, substitute of an object', () => block({} as never), /^block: the program must be a function .* got an object$/],
  ['mask of a number', () => mask(1 as never, true), /^mask: the program must be a function/],
  ['scale of a number', () => scale(1 as never, 2), /^scale: the program must be a function/],
  ['substitute of a number', () => substitute(1 as never, {}), /^substitute: the program must be a function/],
  ['condition on a tensor', () => condition(model, tf.scalar(1) as never), /^condition: the data must be a record of observed values by site name, .* got a Tensor$/],
  ['seed NaN', () => seed(model, NaN), /^seed must be a finite number or a string, got a number \(NaN\)$/],
  ['setSeed undefined', () => setSeed(undefined as never), /^seed must be a finite number or a string, got undefined$/],
  ['plate without a body', () => plate('d', 3, { subsample: 2 } as never), /^plate 'd': the third argument must be the body, a function of the indices .* got an object$/],
  ['logProb of a number', () => dist.normal(0, 1).logProb(0.5 as never), /^normal\.logProb: the value must be a tf\.Tensor \(tf\.scalar\(x\) for a number\), got a number \(0\.5\)$/],
  ['compile of a number', () => compile(3 as never), /^check\/compile: the program text must be a string .* got a number \(3\)$/],
  ['check of undefined', () => check(undefined as never), /^check\/compile: the program text must be a string .* got undefined$/],
  ['gradients of a non-function', () => gradients(3 as never, guide, [], { estimator: elbo() }), /^gradients: the model must be a function .* got a number \(3\)$/],
  ['logLikelihood with a tensor for args', () => logLikelihood(model, guide, tf.scalar(1.5) as never, { k: 5 }), /^inference: the programs' arguments must be an array, e\.g\. \[x\] .* got a Tensor$/],
];

describe('a wrong argument to a public function', () => {
  for (const [name, call, message] of cases) {
    it(`${name}: refused at once, saying what it takes`, () => {
      expect(call).toThrow(message);
    });
  }
});
