import { hmc, mcmc, nuts, summary, type McmcSiteSummary, type McmcSummary } from '../../inference/index.js';
import { ready } from '../../runtime/backend.js';
import { loadData, parseDataArgument } from '../data/load.js';
import { loadProgram } from '../program-file.js';
import { CliError, numberFlag, oneFile, parseCommand, UsageError } from '../usage.js';

const USAGE = `usage: roulette sample FILE --data PATH [options]

Sample the posterior of the model's continuous latents by MCMC (NUTS by default): several chains,
each with a warm-up that adapts the step size and a diagonal mass matrix (Stan's scheme), then the
draws. Prints, per latent element in its own (constrained) space, the mean, sd, Monte Carlo s.e. (from
the effective sample size), 5/50/95% quantiles, split R-hat and bulk/tail ESS, and the divergences.
R-hat above 1.01 or any divergence means the draws should not be trusted yet. The guide block, if
any, is not used.

options:
  --data PATH            a data file, as for fit (repeat for several)
  --chains N             chains (default 4)
  --warmup N             warm-up iterations per chain (default 1000)
  --draws N              draws per chain after warm-up (default 1000)
  --kernel nuts|hmc      the transition kernel (default nuts)
  --target-accept A      acceptance statistic the step size is tuned to (default 0.8)
  --max-tree-depth N     NUTS: at most 2^N - 1 leapfrog steps per draw (default 10)
  --steps N              HMC: leapfrog steps per draw (default 10)
  --site NAME            report only this latent (repeat for several)
  --seed S               seed (default 0)
  --binarize             threshold data declared bool at half their maximum
  --json                 print {"file", "kernel", "chains", "warmup", "draws", "divergences", "maxRhat", "stepSize", "sites", "warnings"}
  --help                 show this help`;

/** `roulette sample FILE --data PATH`: MCMC draws of the posterior, summarised with diagnostics. */
export async function sampleCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      data: { type: 'string', multiple: true },
      chains: { type: 'string' },
      warmup: { type: 'string' },
      draws: { type: 'string' },
      kernel: { type: 'string' },
      'target-accept': { type: 'string' },
      'max-tree-depth': { type: 'string' },
      steps: { type: 'string' },
      site: { type: 'string', multiple: true },
      seed: { type: 'string' },
      binarize: { type: 'boolean' },
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
  const chains = numberFlag(values, 'chains', USAGE, 'integer', 4);
  const warmup = numberFlag(values, 'warmup', USAGE, 'integer', 1000);
  const draws = numberFlag(values, 'draws', USAGE, 'integer', 1000);
  const seed = numberFlag(values, 'seed', USAGE, 'integer', 0);
  const targetAccept = numberFlag(values, 'target-accept', USAGE, 'number');
  const maxTreeDepth = numberFlag(values, 'max-tree-depth', USAGE, 'integer');
  const steps = numberFlag(values, 'steps', USAGE, 'integer');
  const kernelName = (values['kernel'] as string | undefined) ?? 'nuts';
  const dataArgs = (values['data'] as string[] | undefined) ?? [];
  const only = (values['site'] as string[] | undefined) ?? [];
  if (kernelName !== 'nuts' && kernelName !== 'hmc') throw new UsageError(`--kernel must be nuts or hmc, got '${kernelName}'`, USAGE);
  if (chains < 1) throw new UsageError('--chains must be at least 1', USAGE);
  if (warmup < 0) throw new UsageError('--warmup must be at least 0', USAGE);
  if (draws < 4) throw new UsageError('--draws must be at least 4 (R-hat and ESS split each chain in two)', USAGE);
  if (kernelName === 'nuts' && steps !== undefined) throw new UsageError('--steps is for --kernel hmc; NUTS chooses its own (bound it with --max-tree-depth)', USAGE);
  if (kernelName === 'hmc' && maxTreeDepth !== undefined) throw new UsageError('--max-tree-depth is for NUTS; HMC takes --steps', USAGE);
  if (targetAccept !== undefined && !(targetAccept > 0 && targetAccept < 1)) throw new UsageError(`--target-accept must lie strictly between 0 and 1, got ${targetAccept}`, USAGE);

  await ready();
  const { compiled } = await loadProgram(file, { subsample: 'none' });
  const data = await loadData(dataArgs.map(parseDataArgument), compiled.dataSpec, { binarize: values['binarize'] === true });
  const accept = targetAccept === undefined ? {} : { targetAccept };
  const kernel =
    kernelName === 'hmc'
      ? hmc({ ...accept, ...(steps === undefined ? {} : { steps }) })
      : nuts({ ...accept, ...(maxTreeDepth === undefined ? {} : { maxTreeDepth }) });
  let result: McmcSummary;
  let stepSize: readonly number[];
  try {
    const fit = mcmc(compiled.model, kernel, { chains, warmup, draws, seed }).run(data.tensors);
    result = summary(fit);
    stepSize = fit.stepSize;
  } finally {
    for (const t of Object.values(data.tensors)) t.dispose();
  }
  const known = result.sites.map((s) => s.name);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new CliError(`--site ${unknown.join(', ')}: no such latent in ${file} (its latents: ${known.join(', ')})`);
  const sites = only.length === 0 ? result.sites : result.sites.filter((s) => only.includes(s.name));

  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  const m = result.mcmc;
  if (values['json']) {
    const json = { file, kernel: m.kernel, chains, warmup, draws, divergences: m.divergences, maxRhat: m.maxRhat, stepSize, sites: sites.map(siteJson), warnings: result.warnings };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    const heading = `# ${file}: ${m.kernel.toUpperCase()}, ${chains} chains x ${draws} draws after ${warmup} warm-up; ${m.divergences} divergences; max R-hat ${format(m.maxRhat)}`;
    process.stdout.write(`${heading}\n${table(sites)}\n`);
  }
  return 0;
}

const percent = (p: number): string => `${Number((100 * p).toPrecision(6))}%`;

function siteJson(s: McmcSiteSummary): Record<string, unknown> {
  const quantiles = Object.fromEntries(s.probs.map((p, j) => [percent(p), s.quantiles[j]]));
  return { name: s.name, support: s.support ?? null, shape: s.shape, mean: s.mean, sd: s.sd, mcseMean: s.mcseMean, mcseSd: s.mcseSd, quantiles, rhat: s.rhat, essBulk: s.essBulk, essTail: s.essTail };
}

/** Four significant digits, no trailing noise. */
function format(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(4)).toString();
}

/** A row per element: `w[1]`, `z[2, 0]`. */
function elementName(name: string, shape: readonly number[], e: number): string {
  if (shape.length === 0) return name;
  const index: number[] = [];
  let rest = e;
  for (let a = shape.length - 1; a >= 0; a--) {
    index.unshift(rest % shape[a]!);
    rest = Math.floor(rest / shape[a]!);
  }
  return `${name}[${index.join(', ')}]`;
}

function table(sites: readonly McmcSiteSummary[]): string {
  const probs = sites[0]?.probs ?? [];
  const header = ['site', 'mean', 'sd', 'mcse', ...probs.map(percent), 'rhat', 'ess_bulk', 'ess_tail'];
  const rows = sites.flatMap((s) =>
    s.mean.map((_, e) => [
      elementName(s.name, s.shape, e),
      format(s.mean[e]!),
      format(s.sd[e]!),
      format(s.mcseMean[e]!),
      ...s.quantiles.map((q) => format(q[e]!)),
      s.rhat[e]!.toFixed(3),
      Number.isFinite(s.essBulk[e]!) ? s.essBulk[e]!.toFixed(0) : 'NaN',
      Number.isFinite(s.essTail[e]!) ? s.essTail[e]!.toFixed(0) : 'NaN',
    ]),
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
