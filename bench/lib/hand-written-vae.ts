import * as tf from '@tensorflow/tfjs';

/**
 * The VAE of examples/vae-mnist/model.ts (784-200-200-20, tanh, Bernoulli pixels) trained with the
 * IWAE-5 bound as one would write it directly in tfjs: plain variables, `tf.variableGrads`,
 * `tf.train.adam`, no effect handlers or traces. The bench compares roulette's step with this one to
 * measure what the PPL itself costs.
 */
export interface HandWrittenVae {
  /** One Adam step on x [B, 784]; returns the IWAE bound summed over the batch (read back, as a log would). */
  step(x: tf.Tensor2D): number;
  dispose(): void;
}

interface Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
}

const LOG_2PI = Math.log(2 * Math.PI);

function dense(inputs: number, outputs: number, bias?: tf.Tensor1D): Dense {
  const limit = Math.sqrt(6 / (inputs + outputs));
  return {
    w: tf.variable(tf.randomUniform([inputs, outputs], -limit, limit, 'float32', inputs * 1000 + outputs)),
    b: tf.variable(bias ? bias.clone() : tf.zeros([outputs])),
  };
}

function mlp(layers: readonly Dense[], x: tf.Tensor): tf.Tensor {
  return layers.reduce<tf.Tensor>((h, { w, b }, i) => {
    const y = tf.add(tf.matMul(h, w), b);
    return i === layers.length - 1 ? y : tf.tanh(y);
  }, x);
}

/** Sum over the last axis of log N(x; loc, scale). */
function normalLogProb(x: tf.Tensor, loc: tf.Tensor | number, scale: tf.Tensor | number): tf.Tensor {
  const z = tf.div(tf.sub(x, loc), scale);
  return tf.sum(tf.sub(tf.mul(-0.5, tf.add(tf.square(z), LOG_2PI)), tf.log(scale)), -1);
}

export function handWrittenVae(options: { readonly k: number; readonly latent: number; readonly hidden: readonly number[]; readonly outputBias: tf.Tensor1D }): HandWrittenVae {
  const { k, latent, hidden } = options;
  const encoderSizes = [784, ...hidden, 2 * latent];
  const decoderSizes = [latent, ...hidden, 784];
  const encoder = encoderSizes.slice(1).map((out, i) => dense(encoderSizes[i]!, out));
  const decoder = decoderSizes.slice(1).map((out, i) => dense(decoderSizes[i]!, out, i === decoderSizes.length - 2 ? options.outputBias : undefined));
  const variables = [...encoder, ...decoder].flatMap(({ w, b }) => [w, b]);
  const optimizer = tf.train.adam(1e-3);
  let seed = 0;

  const negativeBound = (x: tf.Tensor2D): tf.Scalar => {
    const batch = x.shape[0];
    const h = mlp(encoder, x);
    const loc = tf.slice(h, [0, 0], [-1, latent]);
    const scale = tf.add(tf.softplus(tf.slice(h, [0, latent], [-1, latent])), 1e-4);
    const eps = tf.randomNormal([k, batch, latent], 0, 1, 'float32', seed++);
    const z = tf.add(loc, tf.mul(scale, eps)); // [K, B, latent]
    const logQ = normalLogProb(z, loc, scale); // [K, B]
    const logPz = normalLogProb(z, 0, 1);
    const logits = tf.reshape(mlp(decoder, tf.reshape(z, [k * batch, latent])), [k, batch, 784]);
    const logPx = tf.sum(tf.sub(tf.mul(x, logits), tf.softplus(logits)), -1); // Bernoulli(logits)
    const logW = tf.sub(tf.add(logPz, logPx), logQ);
    const bound = tf.sub(tf.logSumExp(logW, 0), Math.log(k)); // [B]
    return tf.neg(tf.sum(bound)) as tf.Scalar;
  };

  return {
    step(x) {
      const { value, grads } = tf.variableGrads(() => negativeBound(x), variables);
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      const loss = value.dataSync()[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      return -loss;
    },
    dispose() {
      tf.dispose(variables);
      optimizer.dispose();
    },
  };
}
