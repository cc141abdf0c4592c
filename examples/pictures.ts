/**
 * Pictures of a trained image model for the gallery page: test images, their reconstructions (the
 * decoder's mean at a guide draw z ~ q(z | x)) and samples (the decoder's mean at z from the prior).
 * Written next to the result file as `<estimator>.pictures.json`.
 */
import * as tf from '@tensorflow/tfjs';
import { replay, RouletteError, Stream, trace, withSeed } from '../src/index.js';
import type { Trace } from '../src/index.js';
import type { BuiltExample, Split } from './gallery-example.js';

/** Which observed site holds the image, and its layout. */
export interface ImageSpec {
  readonly site: string;
  readonly width: number;
  readonly height: number;
}

export interface Pictures {
  readonly example: string;
  readonly estimator: string;
  readonly width: number;
  readonly height: number;
  /** Rows of width * height intensities in [0, 1], row-major; reconstructions[i] is of originals[i]. */
  readonly originals: number[][];
  readonly reconstructions: number[][];
  readonly samples: number[][];
}

function rows(t: tf.Tensor, digits = 3): number[][] {
  const [n, d] = [t.shape[0]!, t.size / t.shape[0]!];
  const values = t.dataSync();
  const scale = 10 ** digits;
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d), (v) => Math.round(v * scale) / scale));
}

function meanAt(tr: Trace, site: string): tf.Tensor {
  const law = tr.sample(site).fn;
  if (!law.mean) throw new RouletteError('invalid-argument', `site '${site}': its distribution has no mean to draw as a picture`, site);
  return law.mean();
}

/** `count` test images, reconstructions and prior samples under the current params, seeded. */
export function imagePictures(built: BuiltExample, test: Split, spec: ImageSpec, count: number, seed: number): Omit<Pictures, 'example' | 'estimator'> {
  const stream = Stream.fromSeed(`${seed}-pictures`);
  const indices = Array.from({ length: Math.min(count, test.count) }, (_, i) => i);
  const batch = test.batch(indices, stream.split(0));
  const [originals, reconstructions, samples] = tf.tidy(() => {
    const guideTrace = withSeed(stream.split(1), () => trace(built.guide).getTrace(batch));
    const reconstructed = meanAt(trace(replay(built.model, guideTrace)).getTrace(batch), spec.site);
    // The observed value only sets the plate size: z comes from the prior.
    const blank = batch.map((t) => tf.zerosLike(t));
    const sampled = meanAt(withSeed(stream.split(2), () => trace(built.model).getTrace(blank)), spec.site);
    return [batch[0]!.clone(), reconstructed, sampled];
  });
  for (const t of batch) t.dispose();
  const out = { width: spec.width, height: spec.height, originals: rows(originals, 0), reconstructions: rows(reconstructions), samples: rows(samples) };
  tf.dispose([originals, reconstructions, samples]);
  return out;
}
