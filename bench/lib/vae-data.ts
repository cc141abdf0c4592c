import type * as tf from '@tensorflow/tfjs';
import { binarisedBatch, loadMnist, meanImageLogit } from '../../examples/data/mnist.js';
import { Stream } from '../../src/runtime/rng.js';

/** One fixed minibatch of 100 binarised MNIST digits and the decoder's initial output bias (as the example). */
export function vaeBatch(): { x: tf.Tensor2D; outputBias: tf.Tensor1D } {
  const { train } = loadMnist(1000, 10, 1);
  const stream = Stream.fromSeed('bench');
  const x = binarisedBatch(train, Array.from({ length: 100 }, (_, i) => i), stream);
  return { x, outputBias: meanImageLogit(train) };
}
