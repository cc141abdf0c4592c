import * as tf from '@tensorflow/tfjs';
import { param } from '../../dsl/primitives.js';
import { currentRandom } from '../../runtime/rng.js';

/**
 * The small networks of automatic guides (coupling layers, amortisation encoders). Unlike `nn.mlp`, the
 * output layer starts at zero weights with a given bias, so a fresh network outputs its bias for every
 * input: a flow starts as the identity and an encoder starts at the initial values of every datapoint.
 * The output layer's product is divided by its fan-in: Adam moves every weight by about lr per step,
 * and without the division the output would move by lr times the hidden width, far faster than the
 * guide's other params (a flow trained at lr 0.05 would jump off its start in one step).
 */

/**
 * Uniform weights with variance 2 / fan-in, drawn from the current (seeded) scope's shared stream as
 * nn.dense does (same seed, same weights). Wider than Glorot's for the narrow inputs of coupling
 * layers: their tanh units must bend (a banana's z1^2) from the start, not after a long plateau.
 */
function heUniform(inputs: number, outputs: number): tf.Tensor {
  const limit = Math.sqrt(6 / inputs);
  const stream = currentRandom().shared;
  const values = new Float32Array(inputs * outputs);
  for (let i = 0; i < values.length; i++) values[i] = (2 * stream.uniform() - 1) * limit;
  return tf.tensor2d(values, [inputs, outputs]);
}

/**
 * Hidden biases start spread over (-1, 1): with zero biases every tanh unit is an odd function of its
 * input at the start, and even shapes (a banana's z1^2) would first need the biases to drift away.
 */
function uniformBias(size: number): tf.Tensor {
  const stream = currentRandom().shared;
  return tf.tensor1d(Float32Array.from({ length: size }, () => 2 * stream.uniform() - 1));
}

/**
 * A tanh MLP through `sizes` whose params are `${name}.${i}.weight` / `${name}.${i}.bias`; accepts any
 * leading batch dims. Its last layer starts at zero, so the network starts as the constant `outputBias`
 * (host data, length = last size): a coupling layer built on it starts as the identity.
 *
 * @example
 * const net = zeroOutputMlp('shift', [2, 32, 2]); // (x: [..., 2]) => [..., 2], zero at the start
 */
export function zeroOutputMlp(
  name: string,
  sizes: readonly number[],
  outputBias: Float32Array = new Float32Array(sizes[sizes.length - 1]!),
): (x: tf.Tensor) => tf.Tensor {
  const last = sizes.length - 2;
  return (x) => {
    const inputs = sizes[0]!;
    const lead = x.shape.slice(0, -1);
    let h = tf.reshape(x, [-1, inputs]);
    for (let i = 0; i <= last; i++) {
      const [n, m] = [sizes[i]!, sizes[i + 1]!];
      const isLast = i === last;
      const weight = param(`${name}.${i}.weight`, () => (isLast ? tf.zeros([n, m]) : heUniform(n, m)));
      const bias = param(`${name}.${i}.bias`, () => (isLast ? tf.tensor1d(outputBias) : uniformBias(m)));
      const product = tf.matMul(h, weight);
      h = tf.add(isLast ? tf.div(product, n) : product, bias);
      if (!isLast) h = tf.tanh(h);
    }
    return tf.reshape(h, [...lead, sizes[last + 1]!]);
  };
}
