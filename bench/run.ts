/**
 * `npm run bench`: roulette's performance suite. Every comparison (native vs stock kernels, roulette vs
 * a hand-written tfjs step) is measured interleaved within this one run and reported as a ratio of
 * medians; see bench/README.md for the fields and how to compare with other systems.
 *
 *   npm run bench                         # all suites, 20 repeats, writes bench/results/<time>.json
 *   npm run bench -- --suites matmul,vae  # some suites
 *   npm run bench -- --repeats 40 --no-write
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ready } from '../src/runtime/backend.js';
import { nativeAddon } from './lib/kernels.js';
import { describeKernels } from './lib/profile.js';
import { cisirSuite } from './suites/cisir.js';
import { estimatorSuite } from './suites/estimators.js';
import { matmulSuite } from './suites/matmul.js';
import { mcmcSuite } from './suites/mcmc.js';
import { memorySuite } from './suites/memory.js';
import { modelsSuite } from './suites/models.js';
import { peersSuite } from './suites/peers.js';
import { tinyModelSuite } from './suites/tiny-model.js';
import { vaeStepSuite } from './suites/vae-step.js';

// In this order; peers last: loading WebPPL defines globals (sample, observe, _, ...) in the process.
const SUITES = ['matmul', 'vae', 'tiny', 'estimators', 'memory', 'models', 'mcmc', 'cisir', 'peers'] as const;
type Suite = (typeof SUITES)[number];

const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string', default: '20' },
    suites: { type: 'string', default: SUITES.join(',') },
    'no-write': { type: 'boolean', default: false },
  },
});

const repeats = Number.parseInt(opts.repeats, 10);
const chosen = opts.suites.split(',').map((s) => s.trim()) as Suite[];
const unknown = chosen.filter((s) => !(SUITES as readonly string[]).includes(s));
if (unknown.length > 0 || !(repeats >= 1)) {
  console.error(`bench: unknown suite(s) ${unknown.join(', ')} or bad --repeats; suites: ${SUITES.join(', ')}`);
  process.exit(2);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Files that differ from the commit where they change what is measured (the library, the addon, the
 * bench): a run on a work tree with others' uncommitted edits says so.
 */
function worktreeChanges(): string[] {
  try {
    const out = execFileSync('git', ['status', '--porcelain', '--', 'src', 'native', 'bench', 'package.json', 'package-lock.json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out
      .split('\n')
      .filter((l) => l.length > 3)
      .map((l) => l.slice(3));
  } catch {
    return [];
  }
}

/**
 * latest.json: the newest result of every suite, gathered from the run files in `dir` (bench-<time>.json,
 * oldest first, so a later run's suite replaces an earlier one's), with `sources.<suite>` the meta of the
 * run it came from (and its file). A run of some suites thus keeps the other suites' last results.
 */
function latestOfEverySuite(dir: URL, meta: unknown): Record<string, unknown> {
  const suites: Record<string, unknown> = {};
  const sources: Record<string, unknown> = {};
  const files = readdirSync(dir)
    .filter((f) => /^bench-.*\.json$/.test(f))
    .sort();
  for (const file of files) {
    let run: Record<string, unknown>;
    try {
      run = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      console.warn(`bench: skipping ${file} in latest.json (${(e as Error).message})`);
      continue;
    }
    for (const [key, value] of Object.entries(run)) {
      if (key === 'meta') continue;
      suites[key] = value;
      sources[key] = { file, ...(run['meta'] as object) };
    }
  }
  return { meta, ...suites, sources };
}

async function main(): Promise<void> {
  await ready();
  const addon = await nativeAddon();
  if (!addon) {
    console.error('bench: the native addon is not built (npm rebuild, or npm install with a C++ compiler); every suite compares native with stock kernels');
    process.exit(1);
  }
  const started = new Date();
  const meta = {
    date: started.toISOString(),
    commit: gitCommit(),
    worktreeChanges: worktreeChanges(),
    node: process.version,
    tfjs: tf.version.tfjs,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    gemmKernel: addon.kernel(),
    repeats,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    note: 'times are medians of interleaved repeats in this run; compare ratios, not absolute times, across runs',
  };
  const results: Record<string, unknown> = { meta };
  const log = (line: string): void => console.log(line);

  if (chosen.includes('matmul')) {
    const r = await matmulSuite(repeats);
    results['matmul'] = r;
    log(`matmul (17 VAE-step products): native ${r.step['native']!.gflops} GFLOP/s, 2 threads ${r.step['native2Threads']!.gflops}, stock wasm ${r.step['stock']!.gflops} -> ${r.speedup}x (${r.speedup2Threads}x on 2 threads)`);
  }
  if (chosen.includes('vae')) {
    const r = await vaeStepSuite(repeats);
    results['vaeStep'] = r;
    log(`VAE IWAE-5 step: roulette native ${r.ms.roulette.native} ms (2 threads ${r.ms.roulette.native2Threads}), stock ${r.ms.roulette.stock} ms -> ${r.speedup}x`);
    log(`  hand-written tfjs: native ${r.ms.handWritten.native} ms, stock ${r.ms.handWritten.stock} ms; roulette overhead ${(100 * r.overhead.native).toFixed(1)}% (native), ${(100 * r.overhead.stock).toFixed(1)}% (stock)`);
    log(`  kernels per step: roulette ${describeKernels(r.kernelsPerStep.roulette)}; hand-written ${describeKernels(r.kernelsPerStep.handWritten)}`);
  }
  if (chosen.includes('tiny')) {
    const r = await tinyModelSuite(repeats);
    results['tinyModel'] = r;
    log(`tiny 3-site ELBO step (${r.mode}): native ${r.ms.native} ms, stock ${r.ms.stock} ms; ${describeKernels(r.kernelsPerStep)}`);
  }
  if (chosen.includes('estimators')) {
    const r = await estimatorSuite(repeats);
    results['estimators'] = r;
    for (const [name, e] of Object.entries(r.estimators)) log(`  ${name.padEnd(8)} ${e.stepsPerSecond.native} steps/s native, ${e.stepsPerSecond.stock} stock (${e.speedup}x); ${describeKernels(e.kernelsPerStep)}`);
  }
  if (chosen.includes('memory')) {
    const r = await memorySuite();
    results['memory'] = r;
    log(`memory: VAE step peak tensor bytes ${r.step.native.peakBytes} (native) / ${r.step.stock.peakBytes} (stock); wasm heap ${r.wasmHeapBytes}; max RSS ${r.maxRssBytes}`);
  }
  if (chosen.includes('models')) {
    const r = await modelsSuite(repeats);
    results['models'] = r;
    log('models: svi compile: false vs compile: true (same seed, warmed up), interleaved');
    for (const [name, w] of Object.entries(r.workloads)) {
      const target = w.target ? `; target ${w.target.description}: ${w.meetsTarget === null ? 'undecided (no PyTorch here)' : w.meetsTarget ? 'met' : 'NOT met'}` : '';
      const fraction = w.compiledFraction < 1 ? ` (${(100 * w.compiledFraction).toFixed(0)}% of steps compiled)` : '';
      log(`  ${name}: eager ${w.msPerStep.eager} ms, compiled ${w.msPerStep.compiled} ms${fraction} -> ${w.speedup}x; mode ${w.mode.compiled}${target}`);
      log(`    kernels per step: eager ${describeKernels(w.kernelsPerStep.eager)}; compiled ${describeKernels(w.kernelsPerStep.compiled)}`);
      log(`    params eager vs compiled fit: max |difference| ${w.paramAgreement.maxAbsDifference} (relative ${w.paramAgreement.maxRelativeDifference}) over ${w.paramAgreement.params} params`);
      if (w.vsReference) log(`    vs the issue's PyTorch ${w.vsReference.pytorchMs.join('-')} ms: ${w.vsReference.ratio.join('-')}x (<= 1.1x: ${w.vsReference.meetsTarget})`);
      if (w.compileNotes.length > 0) log(`    compile notes: ${w.compileNotes.join('; ')}`);
    }
  }
  if (chosen.includes('mcmc')) {
    const r = mcmcSuite();
    results['mcmc'] = r;
    log(`mcmc: ${r.description}: bulk ESS min ${r.essBulk.min} / median ${r.essBulk.median} from ${r.gradientsAfterWarmup} gradients -> ${r.essPerGradient.min} / ${r.essPerGradient.median} ESS per gradient, ${r.essPerSecond.min} / ${r.essPerSecond.median} per second (${r.seconds} s); ${r.divergences} divergences; ${r.peer}`);
  }
  if (chosen.includes('cisir')) {
    const r = await cisirSuite(repeats);
    results['cisir'] = r;
    log(`cisir: C-ISIR-DISIR step ${r.ms.cisirDisir} ms (mean ${r.ms.cisirDisirMean}) vs IWAE-10 ${r.ms.iwae10} ms: ${r.ratio}x (mean ${r.meanRatio}x; target <= 15x); chains ${r.chains.iterations} iterations, mean meeting time ${r.chains.meetingMean}`);
  }
  if (chosen.includes('peers')) {
    const r = await peersSuite(repeats);
    results['peers'] = r;
    log(`peers: roulette vs WebPPL ${r.webppl}, ELBO step (1 particle, Adam)${r.compileOption ? '' : '; svi has no compile option: default mode only'}`);
    for (const [name, w] of Object.entries(r.workloads)) {
      const systems = Object.keys(w.msPerStep)
        .map((k) => `${k} ${w.msPerStep[k]} ms (${w.stepsPerSecond[k]} steps/s)`)
        .join(', ');
      const ratios = Object.entries(w.ratio)
        .map(([k, v]) => `${k} ${v}x`)
        .join(', ');
      log(`  ${name}: ${systems}`);
      log(`    ratio ${ratios}; kernels per roulette step ${Object.entries(w.kernelsPerStep).map(([k, c]) => `${k} ${describeKernels(c)}`).join(', ')}`);
      log(`    fitted vs exact: max |loc - mean| / sd ${w.check.maxLocError}, max |log(scale / sd)| ${w.check.maxLogScaleError}`);
      if (w.stepMode) log(`    svi step mode: ${Object.entries(w.stepMode).map(([k, m]) => `${k} ${m}`).join('; ')}`);
    }
  }
  results['meta'] = { ...meta, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))), seconds: Math.round((Date.now() - started.getTime()) / 1000) };

  if (!opts['no-write']) {
    const dir = new URL('./results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const stamp = started.toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
    const text = `${JSON.stringify(results, null, 2)}\n`;
    writeFileSync(new URL(`bench-${stamp}.json`, dir), text);
    writeFileSync(new URL('latest.json', dir), `${JSON.stringify(latestOfEverySuite(dir, results['meta']), null, 2)}\n`);
    log(`wrote bench/results/bench-${stamp}.json and bench/results/latest.json (the newest result of every suite)`);
  }
}

await main();
