import { access } from 'node:fs/promises';
import { summary, type PosteriorSummary, type SiteSummary } from '../../inference/index.js';
import { ready } from '../../runtime/backend.js';
import { loadParamsFor } from '../../inference/program-params.js';
import { loadData, parseDataArgument } from '../data/load.js';
import { printWarnings } from '../warnings.js';
import { loadProgram } from '../program-file.js';
import { CliError, numberFlag, oneFile, parseCommand, UsageError } from '../usage.js';

const USAGE = `usage: roulette summary FILE --data PATH --params PATH [options]

Posterior summaries of the fitted guide: for every latent of the model (one row per element of a
vector), in the latent's own space (a positive latent's values, not its unconstrained loc), the mean,
sd, Monte Carlo s.e. of the mean, and 5%, 50% and 95% quantiles of the guide's draws. A guide fitted by
IWAE, SUMO or ML-RR is a proposal, not the posterior: --reweight weights its draws by p(x, z) / q(z)
(Pareto smoothed importance sampling) and reports the Pareto k-hat of the weights; above its
threshold (at most 0.7) the reweighted moments cannot be trusted. The program runs without subsampling.

options:
  --data PATH       a data file, as for fit (repeat for several)
  --params PATH     params saved by roulette fit
  --draws N         draws from the guide (default 1000; thousands for --reweight)
  --chunk N         draws evaluated at once, bounding memory (default 1000)
  --reweight        importance-reweight the draws towards the posterior (PSIS)
  --site NAME       summarise only this latent (repeat for several)
  --seed S          seed (default 0)
  --binarize        threshold data declared bool at half their maximum
  --allow-unused-data  run even though some declared data is never used (an error otherwise)
  --guide auto:F    summarise an automatic guide (F: normal, multivariateNormal, delta, flow)
  --json            print {"file", "draws", "reweighted", "diagnostics", "sites", "warnings"} on stdout
  --help            show this help`;

/** `roulette summary FILE --data PATH --params PATH`: posterior moments and quantiles per latent. */
export async function summaryCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      data: { type: 'string', multiple: true },
      params: { type: 'string' },
      draws: { type: 'string' },
      chunk: { type: 'string' },
      reweight: { type: 'boolean' },
      site: { type: 'string', multiple: true },
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
  const draws = numberFlag(values, 'draws', USAGE, 'integer', 1000);
  const chunk = numberFlag(values, 'chunk', USAGE, 'integer', 1000);
  const seed = numberFlag(values, 'seed', USAGE, 'integer', 0);
  const paramsFile = values['params'] as string | undefined;
  const dataArgs = (values['data'] as string[] | undefined) ?? [];
  const only = (values['site'] as string[] | undefined) ?? [];
  if (!paramsFile) throw new UsageError('give the fitted params with --params PATH', USAGE);
  if (dataArgs.length === 0) throw new UsageError('give the data with --data PATH', USAGE);
  if (draws < 1 || chunk < 1) throw new UsageError('--draws and --chunk must be at least 1', USAGE);
  const reweight = values['reweight'] === true;

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

  let result: PosteriorSummary;
  try {
    result = summary({ model: compiled.model, guide: compiled.guide }, [data.tensors], { draws, chunk, seed, reweight });
  } finally {
    for (const t of Object.values(data.tensors)) t.dispose();
  }
  const known = result.sites.map((s) => s.name);
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new CliError(`--site ${unknown.join(', ')}: no such latent in ${file} (its latents: ${known.join(', ')})`);
  const sites = only.length === 0 ? result.sites : result.sites.filter((s) => only.includes(s.name));

  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (values['json']) {
    const d = result.diagnostics;
    const diagnostics = d && { khat: d.khat, khatThreshold: d.khatThreshold, ess: d.ess, logMarginal: d.logMarginal, smoothed: d.smoothed };
    process.stdout.write(`${JSON.stringify({ file, draws, reweighted: reweight, diagnostics: diagnostics ?? null, sites: sites.map(siteJson), warnings: result.warnings })}\n`);
  } else {
    process.stdout.write(`${heading(file, result)}\n${table(sites)}\n`);
  }
  return 0;
}

function siteJson(s: SiteSummary): Record<string, unknown> {
  const quantiles = Object.fromEntries(s.probs.map((p, j) => [percent(p), s.quantiles[j]]));
  return { name: s.name, kind: s.kind, support: s.support ?? null, shape: s.shape, mean: s.mean, sd: s.sd, mcseMean: s.mcseMean, mcseSd: s.mcseSd, quantiles };
}

const percent = (p: number): string => `${Number((100 * p).toPrecision(6))}%`;

function heading(file: string, r: PosteriorSummary): string {
  if (!r.reweighted || !r.diagnostics) return `# ${file}: ${r.draws} draws from the guide (not reweighted: a proposal's draws; --reweight for PSIS)`;
  const d = r.diagnostics;
  const verdict = d.khat <= d.khatThreshold ? `<= ${d.khatThreshold.toFixed(2)}: reliable` : `> ${d.khatThreshold.toFixed(2)}: NOT reliable`;
  return `# ${file}: ${r.draws} guide draws reweighted by PSIS; Pareto k-hat ${format(d.khat)} (${verdict}), ESS ${d.ess.toFixed(0)}, log p(x) ~ ${d.logMarginal.toFixed(3)}`;
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

function table(sites: readonly SiteSummary[]): string {
  const probs = sites[0]?.probs ?? [];
  const header = ['site', 'mean', 'sd', 'mcse', ...probs.map(percent)];
  const rows = sites.flatMap((s) =>
    s.mean.map((_, e) => [elementName(s.name, s.shape, e), format(s.mean[e]!), format(s.sd[e]!), format(s.mcseMean[e]!), ...s.quantiles.map((q) => format(q[e]!))]),
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
