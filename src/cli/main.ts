#!/usr/bin/env node
/**
 * The `roulette` command: check, fit and evaluate .ppl programs.
 *
 *   roulette check model.ppl
 *   roulette fit model.ppl --data train.json --estimator iwae --k 5 --steps 2000 --out params.json
 *   roulette eval model.ppl --data test.json --params params.json --k 5000
 *   roulette summary model.ppl --data data.json --params params.json --reweight
 *   roulette sample model.ppl --data data.json --chains 4 --warmup 1000 --draws 1000
 */
import { RouletteError } from '../runtime/errors.js';
import { UsageError } from './usage.js';

const USAGE = `usage: roulette COMMAND [options]

Probabilistic programs in the .ppl language (see docs/language.md).

commands:
  check FILE                  check a program; print problems with positions and hints
  fit FILE --data PATH ...    fit its params with an estimator (elbo, iwae, rws, sumo, mlss, mlrr, cisir)
  eval FILE --data PATH --params PATH
                              per-datapoint and mean log-likelihood (IWAE bound)
  summary FILE --data PATH --params PATH [--reweight]
                              posterior mean, sd and quantiles per latent (PSIS-reweighted)
  sample FILE --data PATH [--chains 4 --warmup 1000 --draws 1000]
                              posterior draws by MCMC (NUTS), with R-hat, ESS and divergences

'roulette COMMAND --help' shows a command's options. Every command takes --json.`;

type Command = (argv: readonly string[]) => Promise<number>;

// Loaded on demand: tfjs takes a while to load, and `roulette --help` should not wait for it.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  check: async () => (await import('./commands/check.js')).checkCommand,
  fit: async () => (await import('./commands/fit.js')).fitCommand,
  eval: async () => (await import('./commands/eval.js')).evalCommand,
  summary: async () => (await import('./commands/summary.js')).summaryCommand,
  sample: async () => (await import('./commands/sample.js')).sampleCommand,
};

/** One line, or the formatted diagnostics of a program that does not compile. */
function report(error: unknown, json: boolean): number {
  if (error instanceof UsageError) {
    const command = /^usage: roulette (\w+)/.exec(error.usage)?.[1];
    process.stderr.write(`roulette: ${error.message}\n${error.usage.split('\n')[0]}\n${command ? `(roulette ${command} --help lists the options)\n` : ''}`);
    return 2;
  }
  // A program's diagnostics keep their layout (source line, caret); everything else is one line.
  const message =
    error instanceof RouletteError && error.name === 'PplError'
      ? error.message
      : error instanceof RouletteError
        ? error.message.replace(/\s*\n\s*/g, ' ')
        : `unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { kind: error instanceof Error ? error.name : 'Error', message } })}\n`);
  process.stderr.write(`roulette: error: ${message}\n`);
  return 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    if (command === 'help' && rest[0] && COMMANDS[rest[0]]) return (await COMMANDS[rest[0]]!())(['--help']);
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`roulette: unknown command '${command}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    return report(error, rest.includes('--json'));
  }
}

process.exitCode = await main(process.argv.slice(2));
