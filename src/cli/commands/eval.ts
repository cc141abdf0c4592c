import * as tf from '@tensorflow/tfjs';
import { access } from 'node:fs/promises';
import type { DataRecord } from '../../dsl/lang/data-spec.js';
import type { ProgramInfo } from '../../dsl/lang/program-info.js';
import { logLikelihood } from '../../inference/index.js';
import { ready } from '../../runtime/backend.js';
import { loadParamsFor } from '../../inference/program-params.js';
import { loadData, parseDataArgument } from '../data/load.js';
import { printWarnings } from '../warnings.js';
import { loadProgram } from '../program-file.js';
import { CliError, numberFlag, oneFile, parseCommand, UsageError } from '../usage.js';

const USAGE = `usage: roulette eval FILE --data PATH --params PATH [options]

Estimate the log-likelihood log p(x) of each datapoint under the fitted model with the
importance-weighted bound (IWAE with k draws from the guide; a lower bound that tightens as k grows),
and their mean. The program runs without subsampling.

options:
  --data PATH       a data file, as for fit (repeat for several)
  --params PATH     params saved by roulette fit
  --k N             importance samples per datapoint (default 5000)
  --chunk N         samples evaluated at once, bounding memory (default 100)
  --batch B         datapoints evaluated at once (models whose latents are all in the data plate)
  --seed S          seed (default 0)
  --binarize        threshold data declared bool at half their maximum
  --allow-unused-data  run even though some declared data is never used (an error otherwise)
  --guide auto:F    evaluate with an automatic guide (F: normal, multivariateNormal, delta, flow)
  --json            print {"file", "k", "datapoints", "mean", "total", "perDatapoint"} on stdout
  --help            show this help`;

/** The data plate and the variables indexed by it, when every latent lies in that plate (rows then split freely). */
function rowSplit(info: ProgramInfo): { plate: string; size: string } | undefined {
  const top = [...info.plates.values()].filter((p) => p.parent === undefined);
  if (top.length !== 1 || typeof top[0]!.size !== 'string') return undefined;
  const plate = top[0]!;
  const all = [...info.latents.model, ...info.latents.guide];
  return all.every((l) => l.plates[0] === plate.name) ? { plate: plate.name, size: plate.size as string } : undefined;
}

function rows(data: DataRecord, variables: ReadonlySet<string>, from: number, count: number): DataRecord {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(data)) {
    out[name] = variables.has(name) ? tf.slice(t, [from, ...new Array<number>(t.rank - 1).fill(0)], [count, ...t.shape.slice(1)]) : t;
  }
  return out;
}

/** `roulette eval FILE --data PATH --params PATH`: per-datapoint and mean log-likelihood. */
export async function evalCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      data: { type: 'string', multiple: true },
      params: { type: 'string' },
      k: { type: 'string' },
      chunk: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      binarize: { type: 'boolean' },
      'allow-unused-data': { type: 'boolean' },
      guide: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values['help']) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = oneFile(positionals, USAGE);
  const k = numberFlag(values, 'k', USAGE, 'integer', 5000);
  const chunk = numberFlag(values, 'chunk', USAGE, 'integer', 100);
  const batch = numberFlag(values, 'batch', USAGE, 'integer');
  const seed = numberFlag(values, 'seed', USAGE, 'integer', 0);
  const paramsFile = values['params'] as string | undefined;
  const dataArgs = (values['data'] as string[] | undefined) ?? [];
  if (!paramsFile) throw new UsageError('give the fitted params with --params PATH', USAGE);
  if (dataArgs.length === 0) throw new UsageError('give the data with --data PATH', USAGE);
  if (k < 1 || chunk < 1 || (batch !== undefined && batch < 1)) throw new UsageError('--k, --chunk and --batch must be at least 1', USAGE);

  await ready();
  const guideSpec = values['guide'];
  const { text: source, compiled, guideLabel } = await loadProgram(file, { subsample: 'none', allowUnusedData: values['allow-unused-data'] === true }, typeof guideSpec === 'string' ? guideSpec : undefined);
  const data = await loadData(dataArgs.map(parseDataArgument), compiled.dataSpec, { binarize: values['binarize'] === true });
  printWarnings(source, file, compiled.warnings, data.warnings);
  try {
    await access(paramsFile);
  } catch {
    throw new CliError(`${paramsFile}: not found (fit first: roulette fit ${file} --data ... --out ${paramsFile})`, 'io-error');
  }
  // A file of another program (or of another guide) is refused, naming what does not match.
  try {
    await loadParamsFor(compiled.model, compiled.guide, [data.tensors], paramsFile, { guide: guideLabel });
  } catch (cause) {
    for (const t of Object.values(data.tensors)) t.dispose();
    throw cause;
  }

  const perDatapoint: number[] = [];
  let total = 0;
  const split = batch === undefined ? undefined : rowSplit(compiled.info);
  if (batch !== undefined && !split) {
    throw new CliError(`${file}: --batch needs every latent inside one top-level plate (the datapoints must be independent); evaluate without --batch`);
  }
  try {
    if (!split) {
      const r = logLikelihood(compiled.model, compiled.guide, [data.tensors], { k, chunk, seed });
      perDatapoint.push(...r.perDatapoint);
      total = r.total;
    } else {
      const variables = new Set(compiled.dataSpec.variables.filter((v) => v.shape[0] === split.size).map((v) => v.name));
      const n = compiled.dataSpec.bind(data.tensors)[split.size]!;
      for (let from = 0; from < n; from += batch!) {
        const count = Math.min(batch!, n - from);
        const part = rows(data.tensors, variables, from, count);
        const r = logLikelihood(compiled.model, compiled.guide, [part], { k, chunk, seed: `${seed}-${from}` });
        for (const name of variables) part[name]!.dispose();
        perDatapoint.push(...r.perDatapoint);
        total += r.total;
      }
    }
  } finally {
    for (const t of Object.values(data.tensors)) t.dispose();
  }
  const mean = perDatapoint.reduce((a, b) => a + b, 0) / perDatapoint.length;
  if (values['json']) {
    process.stdout.write(`${JSON.stringify({ file, k, datapoints: perDatapoint.length, mean, total, perDatapoint })}\n`);
  } else {
    const lines = perDatapoint.map((v, i) => `${i}\t${v.toFixed(4)}`);
    process.stdout.write(`# datapoint\tlog-likelihood (IWAE, k = ${k})\n${lines.join('\n')}\n`);
    process.stdout.write(`mean log-likelihood ${mean.toFixed(4)} nats per datapoint over ${perDatapoint.length} datapoint${perDatapoint.length === 1 ? '' : 's'}\n`);
  }
  return 0;
}
