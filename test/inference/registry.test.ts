import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ESTIMATORS as EXAMPLE_ESTIMATORS, registry as examples } from '../../examples/registry.js';
import { estimatorOptions } from '../../examples/run.js';
import { estimatorsFor, initialValues, PLAYGROUND_CISIR } from '../../gallery/src/playground/estimators.js';
import { DATASETS } from '../../gallery/src/playground/datasets.js';
import { ESTIMATORS as COMMAND_LINE } from '../../src/cli/estimators.js';
import { gradients } from '../../src/inference/gradients.js';
import {
  ESTIMATOR_NAMES,
  ESTIMATOR_REGISTRY,
  estimatorEntry,
  optionDefault,
  optionHelp,
  type EstimatorChoice,
  type EstimatorEntry,
  type EstimatorValues,
} from '../../src/inference/index.js';
import { describe as describeSpec } from '../../src/inference/options.js';
import { clearParamStore } from '../../src/runtime/index.js';
import { linearGaussian, resetParams, type LgParams } from '../helpers/linear-gaussian.js';

const ROOT = join(import.meta.dirname, '..', '..');

afterAll(() => clearParamStore());

const x = tf.tensor2d([
  [1.2, 0.4, 2.1],
  [0.3, 1.8, 0.9],
  [0.8, -0.2, 1.4],
]);
const { model, guide } = linearGaussian(3);
const P: LgParams = { theta: [1.1, 0.9, 0.8], a: [0.3, 0.7, 0.5], b: [0.9, 0.1, 0.6] };

/** Small enough that every estimator's step takes milliseconds (cisir's chains meet in a few iterations). */
const FAST: Readonly<Partial<Record<string, EstimatorValues>>> = { cisir: { k: 4, lag: 2 } };

/** One gradient estimate with `choice` from fixed params and seed: every gradient, flattened, and the estimate. */
function step(choice: EstimatorChoice, seed: string, reset = true): number[] {
  if (reset) resetParams(model, guide, x, P);
  const r = gradients(model, guide, [x], { ...choice, seed, compile: false });
  const out = [r.logMarginal, ...Object.keys(r.grads).sort().flatMap((name) => Array.from(r.grads[name]!.dataSync()))];
  tf.dispose(Object.values(r.grads));
  return out;
}

describe('the estimator registry', () => {
  it('lists every estimator once, with one EstimatorName', () => {
    expect([...ESTIMATOR_REGISTRY.keys()]).toEqual([...ESTIMATOR_NAMES]);
    expect(estimatorEntry('mlrr')).toBe(ESTIMATOR_REGISTRY.get('mlrr'));
    expect(() => estimatorEntry('vi')).toThrow("unknown estimator 'vi'; use one of elbo, iwae, rws, sumo, mlss, mlrr, cisir");
  });

  it.each([...ESTIMATOR_NAMES])('%s: creates an estimator that takes a finite gradient step, without leaking tensors', (name) => {
    const entry = ESTIMATOR_REGISTRY.get(name)!;
    const values = FAST[name] ?? {};
    const first = step(entry.create(values), `${name}-0`);
    expect(first.every(Number.isFinite), `${name}: ${first}`).toBe(true);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 3; s++) step(entry.create(values), `${name}-${s}`, false);
    expect(tf.memory().numTensors).toBe(before);
  });

  // Where the registry states a default, omitting the option and giving that default are the same
  // estimator, seed for seed; a different value is not (so the comparison can fail).
  const defaulted = [...ESTIMATOR_REGISTRY.values()].flatMap((e) => e.options.filter((o) => o.spec.default !== undefined).map((o) => [e.name, o.key] as const));
  it.each(defaulted)('%s --%s: the stated default is the one used', (name, key) => {
    const entry = ESTIMATOR_REGISTRY.get(name)!;
    const option = entry.options.find((o) => o.key === key)!;
    const base = FAST[name] ?? {};
    if (key in base) return; // set explicitly here for speed; covered by the factory's own tests
    const seed = `default-${name}-${key}`;
    const omitted = step(entry.create(base), seed);
    expect(step(entry.create({ ...base, [key]: option.spec.default }), seed)).toEqual(omitted);
  });

  it.each([
    ['elbo', 'particles', 2],
    ['iwae', 'k', 3],
    ['rws', 'k', 3],
    ['sumo', 'm', 2],
    ['sumo', 'k', 3],
    ['mlrr', 'k', 3],
    ['mlss', 'level', 1],
    ['cisir', 'plain-isir', true],
  ] as const)('%s --%s %s differs from the default (the default check can fail)', (name, key, value) => {
    const entry = ESTIMATOR_REGISTRY.get(name)!;
    const base = FAST[name] ?? {};
    const seed = `wrong-${name}-${key}`;
    expect(step(entry.create({ ...base, [key]: value }), seed)).not.toEqual(step(entry.create(base), seed));
  });

  it('a value out of range is an error naming the option as written and its range', () => {
    expect(() => estimatorEntry('mlrr').create({ 'max-level': 40 })).toThrow('mlrr: option max-level must be an integer in 0 .. 30, got 40');
    expect(() => estimatorEntry('cisir').create({ k: 1 })).toThrow('cisir: option k must be an integer >= 2, got 1');
    expect(() => estimatorEntry('elbo').create({ k: 5 })).toThrow("elbo: unknown option 'k'");
  });
});

describe('the tools read the registry', () => {
  it('roulette fit: the same names, flags, types and help with the defaults', () => {
    expect([...COMMAND_LINE.keys()]).toEqual([...ESTIMATOR_NAMES]);
    for (const entry of ESTIMATOR_REGISTRY.values()) {
      const cli = COMMAND_LINE.get(entry.name)!;
      expect(cli.summary).toBe(entry.summary);
      expect(cli.flags).toEqual(entry.options.map((o) => ({ flag: o.key, type: o.spec.kind, help: optionHelp(o) })));
    }
    expect(COMMAND_LINE.get('cisir')!.flags.find((f) => f.flag === 'max-iterations')!.help).toMatch(/\(default 2000\)$/);
  });

  it('the playground offers the registry entries themselves', () => {
    for (const dataset of DATASETS) {
      expect(estimatorsFor(dataset)).toEqual(dataset.estimators.map((n) => ESTIMATOR_REGISTRY.get(n)));
      for (const e of estimatorsFor(dataset)) {
        expect(e).toBe(ESTIMATOR_REGISTRY.get(e.name));
        // What the form starts with is valid for the registry (it checks ranges and keys).
        expect(() => e.create(initialValues(e.name, dataset))).not.toThrow();
      }
    }
    // Its C-ISIR settings are explicit values below the library's one default, not other defaults.
    const cisir = ESTIMATOR_REGISTRY.get('cisir')!;
    for (const [key, value] of Object.entries(PLAYGROUND_CISIR)) {
      expect(value).toBeLessThan(cisir.options.find((o) => o.key === key)!.spec.default as number);
    }
  });

  it('the examples: their names are the registry names, and estimatorOptions builds through it', () => {
    expect(EXAMPLE_ESTIMATORS).toBe(ESTIMATOR_NAMES);
    const example = examples.get('linear-gaussian')!;
    const h = { ...example.defaults, k: 4, lag: 2 };
    for (const name of example.estimators) {
      const options = estimatorOptions(name, h, example);
      const estimators = 'estimator' in options ? [options.estimator] : [options.model, options.guide];
      for (const e of estimators) expect(e?.name).toMatch(new RegExp(`^${name}`));
    }
  });

  /** Files under `dir` (recursively) ending in .ts. */
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).flatMap((f) => {
      const path = join(ROOT, dir, f);
      return statSync(path).isDirectory() ? sources(relative(ROOT, path)) : f.endsWith('.ts') ? [relative(ROOT, path)] : [];
    });

  it('no other table: the CLI, the runner, the playground and the benchmark call no estimator factory', () => {
    const consumers = [...sources('src/cli'), ...sources('gallery/src'), 'examples/run.ts', 'bench/suites/estimators.ts'];
    const factory = new RegExp(`\\b(${ESTIMATOR_NAMES.join('|')})\\(\\s*\\{`);
    const offenders = consumers.filter((file) => readFileSync(join(ROOT, file), 'utf8').split('\n').some((line) => factory.test(line) && !/^\s*(\*|\/\/)/.test(line)));
    expect(offenders).toEqual([]);
  });

  it('one EstimatorName declaration, in the registry; browser code imports nothing from src/cli', () => {
    const all = ['src', 'examples', 'gallery/src', 'bench', 'test'].flatMap(sources);
    const declared = all.filter((file) => /type EstimatorName\s*=/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(declared).toEqual(['src/inference/registry.ts']);
    const fromCli = sources('gallery/src').filter((file) => /from '[./]*src\/cli\//.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(fromCli).toEqual([]);
  });
});

/** The table docs/estimators.md shows between its registry markers: one row per option. */
export function registryTable(entries: Iterable<EstimatorEntry> = ESTIMATOR_REGISTRY.values()): string {
  const rows = ['| estimator | option (`roulette fit --estimator NAME --OPTION`) | range | default | what it does |', '| --- | --- | --- | --- | --- |'];
  for (const e of entries) {
    for (const o of e.options) rows.push(`| \`${e.name}\` | \`--${o.key}\` | ${describeSpec(o.spec)} | ${optionDefault(o) ?? 'none'} | ${o.help} |`);
  }
  return rows.join('\n');
}

describe('docs/estimators.md', () => {
  it("its options table is the registry's (regenerate it from the expected text if this fails)", () => {
    const page = readFileSync(join(ROOT, 'docs', 'estimators.md'), 'utf8');
    const table = /<!-- registry table: begin[^>]*-->\n([\s\S]*?)\n<!-- registry table: end -->/.exec(page)?.[1];
    expect(table, 'docs/estimators.md has the registry table markers').toBeDefined();
    expect(table).toBe(registryTable());
  });

  it('has a section per estimator, and README lists every estimator', () => {
    const page = readFileSync(join(ROOT, 'docs', 'estimators.md'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const name of ESTIMATOR_NAMES) {
      expect(page, name).toMatch(new RegExp(`^## .*\`${name}\``, 'm'));
      expect(readme, name).toContain(`\`${name}(`);
    }
  });
});
