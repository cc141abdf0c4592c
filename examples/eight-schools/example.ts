/**
 * Eight schools by NUTS from TypeScript: model.ppl compiled, its guide block unused, 4 chains of 1,000
 * draws after 1,000 warm-up iterations; prints each latent's posterior mean and sd with its Monte
 * Carlo s.e., R-hat and bulk ESS, next to the exact posterior of mu and tau (quadrature,
 * test/helpers/eight-schools.ts). `roulette sample` (README) does the same from the shell.
 *
 *   npx tsx examples/eight-schools/example.ts [--chains 4] [--warmup 1000] [--draws 1000] [--seed 0]
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compile } from '../../src/dsl/lang/index.js';
import { mcmc, nuts, summary } from '../../src/inference/index.js';
import { ready } from '../../src/index.js';

/** The exact posterior mean ± sd of the two hyperparameters. */
const EXACT: Readonly<Record<string, readonly [number, number]>> = { mu: [4.397, 3.318], tau: [3.598, 3.22] };

const { values } = parseArgs({
  options: {
    chains: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1000' },
    draws: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '0' },
  },
});
const [chains, warmup, draws, seed] = [values.chains, values.warmup, values.draws, values.seed].map(Number) as [number, number, number, number];

await ready();
const here = new URL('.', import.meta.url);
// MCMC needs every school in each evaluation: no subsampling of the plate.
const { model, dataSpec } = compile(readFileSync(new URL('model.ppl', here), 'utf8'), { file: 'eight-schools/model.ppl', subsample: 'none' });
const json = JSON.parse(readFileSync(new URL('data.json', here), 'utf8')) as { y: number[]; sigma: number[] };
const data = { y: tf.tensor1d(json.y), sigma: tf.tensor1d(json.sigma) };
dataSpec.validate(data);

const start = performance.now();
const fit = mcmc(model, nuts(), { chains, warmup, draws, seed }).run(data);
const result = summary(fit);
const seconds = (performance.now() - start) / 1000;

console.log(`NUTS, ${chains} chains x ${draws} draws after ${warmup} warm-up (${seconds.toFixed(0)} s): ${result.mcmc.divergences} divergences, max R-hat ${result.mcmc.maxRhat.toFixed(3)}`);
for (const warning of result.warnings) console.log(`warning: ${warning}`);
for (const site of result.sites) {
  site.mean.forEach((mean, e) => {
    const name = site.shape.length === 0 ? site.name : `${site.name}[${e}]`;
    const exact = site.shape.length === 0 ? EXACT[site.name] : undefined;
    console.log(
      `${name.padEnd(16)} ${mean.toFixed(3).padStart(7)} ± ${site.sd[e]!.toFixed(3)} (mcse ${site.mcseMean[e]!.toFixed(3)}, R-hat ${site.rhat[e]!.toFixed(3)}, bulk ESS ${site.essBulk[e]!.toFixed(0)})` +
        (exact ? `   exact ${exact[0].toFixed(3)} ± ${exact[1].toFixed(3)}` : ''),
    );
  });
}
for (const t of Object.values(data)) t.dispose();
