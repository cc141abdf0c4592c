import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { clearParamStore } from '../../src/runtime/index.js';

/**
 * docs/training.md's TypeScript examples run as written, on the README's model (the mean of five
 * points) defined by a prelude as `model`, `guide`, `data` and `estimator`.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = join(root, 'test', '.docs-training-tmp');
const page = readFileSync(join(root, 'docs', 'training.md'), 'utf8');
const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  clearParamStore();
});

const prelude = `
import * as tf from '@tensorflow/tfjs';
import * as R from '${join(root, 'src/index.ts')}';
import * as I from '${join(root, 'src/inference/index.ts')}';
const data = tf.tensor1d([2.1, 1.7, 2.5, 1.9, 2.3]);
const model = (x: tf.Tensor1D) => {
  const mu = R.sample('mu', R.dist.normal(0, 10));
  R.plate('data', 5, () => R.observe('x', R.dist.normal(mu, 0.5), x));
};
const guide = () => {
  R.sample('mu', R.dist.normal(R.param('loc', 0), R.param('scale', 1, { constraint: 'positive' })));
};
const estimator = I.elbo({ particles: 2 });
`;

async function runBlock(index: number, exports: string): Promise<Record<string, unknown>> {
  const code = `${prelude}\n${blocks[index]!}\nexport { ${exports} };\n`
    .replace(/from 'roulette(?:-ppl)?\/inference'/g, `from '${join(root, 'src/inference/index.ts')}'`)
    .replace(/from 'roulette(?:-ppl)?'/g, `from '${join(root, 'src/index.ts')}'`)
    .replace(/'fit\.json'/g, `'${join(scratch, 'fit.json')}'`);
  mkdirSync(scratch, { recursive: true });
  const file = join(scratch, `block-${index}.ts`);
  writeFileSync(file, code);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    return (await import(file)) as Record<string, unknown>;
  } finally {
    log.mockRestore();
  }
}

describe('docs/training.md', () => {
  it('has the two examples', () => expect(blocks).toHaveLength(2));

  it('fit(...) with onStep, early stopping and a signal: stops early', async () => {
    const { result } = await runBlock(0, 'result');
    expect((result as { stopped: string }).stopped).toBe('early');
    clearParamStore();
  });

  it('saving with the optimiser state and resuming in another session: 100 + 100 steps', async () => {
    const { second } = await runBlock(1, 'second');
    expect((second as { steps: number }).steps).toBe(200);
    clearParamStore();
  });
});
