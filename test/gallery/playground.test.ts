import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../examples/registry.js';
import { DATASETS } from '../../gallery/src/playground/datasets.js';
import { Stream } from '../../src/runtime/rng.js';
import { buildGallery, collectErrors, ensureChromium, launchBrowser, serveStatic } from './browser.js';

/**
 * The playground as a reader gets it: the built site from a static server in headless Chromium,
 * roulette running in the page on the backend it measured fastest (here wasm with SIMD against
 * SwiftShader's software WebGL), or the one `?backend=` names. The editor's diagnostics, two fits, the
 * error paths, Stop, the backend timing, and wasm alone where WebGL is missing.
 */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const SCREENSHOTS = join(ROOT, 'gallery', 'screenshots');

const LINEAR_GAUSSIAN = `# z ~ N(theta, I), x | z ~ N(z, I); the guide q(z | x) = N(a x + b, 2/3 I)
data x: real[N, D]

param theta: real[D] = 0
param a: real[D] = 0.5
param b: real[D] = 0

model {
  plate data(N) {
    z ~ normal(theta, 1)
    x ~ normal(z, 1)
  }
}

guide {
  plate data(N) {
    z ~ normal(a * x + b, sqrt(2 / 3))
  }
}
`;
/** Line 10 loses its comma: a syntax error at the '1'. */
const SYNTAX_ERROR = { text: LINEAR_GAUSSIAN.replace('z ~ normal(theta, 1)', 'z ~ normal(theta 1)'), line: 10, marked: '1' };

let browser: Browser;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  server = await serveStatic(await buildGallery());
  browser = await launchBrowser();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * The playground, loaded, with its backend ready (Run enabled: chosen, and timed when chosen
 * automatically), and the page's errors collected. `wasm` collects the wasm binaries the page fetched.
 */
async function open(on: Browser, query = ''): Promise<{ page: Page; errors: string[]; wasm: { file: string; status: number; type: string | undefined }[] }> {
  const page = await on.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors = collectErrors(page);
  const wasm: { file: string; status: number; type: string | undefined }[] = [];
  page.on('response', (response) => {
    const file = new URL(response.url()).pathname.split('/').pop()!;
    if (file.endsWith('.wasm')) wasm.push({ file, status: response.status(), type: response.headers()['content-type'] });
  });
  await page.goto(`${server.url}playground.html${query}`);
  await page.waitForSelector('#run:not([disabled])', { timeout: 60_000 });
  return { page, errors, wasm };
}

/** The badge's backend and, when it was chosen by timing, the rates it shows (steps/s per backend). */
async function badge(page: Page): Promise<{ text: string; name: string | undefined; rates: Record<string, number> }> {
  const text = (await page.textContent('#backend')) ?? '';
  const name = await page.getAttribute('#backend', 'data-backend');
  const auto = /^backend: \w+ \(auto: (.*)\)$/.exec(text)?.[1] ?? '';
  const rates = Object.fromEntries([...auto.matchAll(/(\w+) ([\d.]+)\/s/g)].map((m) => [m[1]!, Number(m[2])]));
  return { text, name: name ?? undefined, rates };
}

/** The last step's numbers at full precision (the stats' data-value attributes), and the live tensor count. */
async function lastStep(page: Page): Promise<string[]> {
  const numbers = await Promise.all(['#stat-objective', '#stat-loss', '#stat-grad'].map(async (id) => (await page.getAttribute(id, 'data-value')) ?? 'missing'));
  return [...numbers, (await page.textContent('#stat-tensors')) ?? 'missing'];
}

/** Replace the editor's text as a user would: select all, then type (insert) the new text. */
async function typeModel(page: Page, text: string): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

/** Fit `steps` steps with `estimator` and wait until the run ends. */
async function fit(page: Page, estimator: string, steps: number): Promise<void> {
  await page.selectOption('#estimator', estimator);
  await page.fill('#steps', String(steps));
  const runs = Number((await page.getAttribute('#controls', 'data-runs')) ?? 0);
  await page.click('#run');
  await page.waitForSelector(`#controls[data-runs="${runs + 1}"]`, { timeout: 240_000 });
}

interface Shown {
  readonly status: string;
  readonly steps: string;
  readonly dots: number;
  readonly lines: number;
  readonly tensorGrowth: string | undefined;
  readonly estimatorStats: number;
  readonly error: string | null;
}

async function shown(page: Page): Promise<Shown> {
  return {
    status: (await page.textContent('#status')) ?? '',
    steps: (await page.textContent('#stat-steps')) ?? '',
    dots: await page.locator('#plot svg g[aria-label="dot"] circle').count(),
    lines: await page.locator('#plot svg g[aria-label="line"] path').count(),
    tensorGrowth: await page.$eval('#stat-tensors', (e) => (e as HTMLElement).dataset['growth']),
    estimatorStats: await page.locator('#estimator-stats dt').count(),
    error: (await page.isVisible('#error')) ? await page.textContent('#error') : null,
  };
}

describe('the playground', () => {
  it("generates the gallery's training sets (the same numbers as examples/registry.ts)", async () => {
    for (const dataset of DATASETS) {
      const example = registry.get(dataset.name)!;
      const loaded = await example.load(1, false);
      if ('skipped' in loaded) throw new Error(loaded.skipped);
      const rows = Array.from({ length: loaded.train.count }, (_, i) => i);
      const batch = loaded.train.batch(rows, Stream.fromSeed(0));
      const ours = Object.values(dataset.generate(1, dataset.size));
      expect(dataset.size).toBe(loaded.train.count);
      expect(ours.map((a) => a.shape)).toEqual(batch.map((t) => t.shape));
      ours.forEach((a, i) => expect(Array.from(a.values)).toEqual(Array.from(batch[i]!.dataSync())));
      tf.dispose([...batch]);
      expect(dataset.estimators).toEqual(example.estimators);
      expect(dataset.cisirKernel).toBe(example.cisirKernel);
      expect(dataset.lr).toBe(example.defaults.lr);
      expect(dataset.batch).toBe(loaded.fullBatch ? undefined : example.defaults.batch);
    }
  });

  it('underlines a syntax error where it is, then fits 50 steps of ELBO and of ML-RR', async () => {
    const { page, errors } = await open(browser);
    expect(await page.getAttribute('#backend', 'data-backend')).toMatch(/^(webgl|wasm|cpu)$/);

    await typeModel(page, SYNTAX_ERROR.text);
    const mark = page.locator('.cm-lintRange-error');
    await mark.first().waitFor();
    const marked = await mark.first().evaluate((element) => {
      const line = element.closest('.cm-line')!;
      const lines = Array.from(line.parentElement!.children).filter((c) => c.classList.contains('cm-line'));
      return { line: lines.indexOf(line) + 1, text: element.textContent };
    });
    expect(marked).toEqual({ line: SYNTAX_ERROR.line, text: SYNTAX_ERROR.marked });
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(1);
    expect(await page.textContent('#diagnostics-summary')).toBe('1 error, 0 warnings');
    expect(await page.textContent('#diagnostics')).toContain(`model.ppl:${SYNTAX_ERROR.line}:`);
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-diagnostic.png') });

    await typeModel(page, LINEAR_GAUSSIAN);
    await page.waitForFunction(() => document.getElementById('diagnostics-summary')?.textContent === 'no problems');
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);

    for (const estimator of ['elbo', 'mlrr']) {
      await fit(page, estimator, 50);
      const after = await shown(page);
      expect(after.error).toBeNull();
      expect(after.status).toMatch(/^finished 50 steps/);
      expect(after.steps).toBe('50');
      expect(after.dots).toBe(50);
      expect(after.lines).toBe(1);
      expect(after.tensorGrowth).toBe('0');
      expect(after.estimatorStats).toBeGreaterThan(0);
      expect(Number(await page.textContent('#stat-rate'))).toBeGreaterThan(0);
      await page.screenshot({ path: join(SCREENSHOTS, `playground-${estimator}.png`), fullPage: true });
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('shows compile errors and a non-finite step as messages, and stops when asked', async () => {
    const { page, errors } = await open(browser, '?dataset=linear-gaussian');
    await typeModel(page, LINEAR_GAUSSIAN.replace('normal(theta, 1)', 'normall(theta, 1)'));
    await page.click('#run');
    await page.waitForSelector('#error:not([hidden])');
    const compileError = (await page.textContent('#error')) ?? '';
    expect(compileError).toContain("unknown distribution 'normall'");
    expect(compileError).toContain('model.ppl:10:');

    // A negative scale (theta starts at 0) makes the likelihood NaN: the run stops at step 1 naming x.
    await typeModel(page, LINEAR_GAUSSIAN.replace('x ~ normal(z, 1)', 'x ~ normal(z, theta - 1)'));
    await fit(page, 'elbo', 50);
    const failed = await shown(page);
    expect(failed.status).toBe('failed at step 1');
    expect(failed.error).toContain('non-finite');
    expect(failed.error).toContain("site 'x'");

    await typeModel(page, LINEAR_GAUSSIAN);
    await page.selectOption('#estimator', 'iwae');
    await page.fill('#steps', '100000');
    await page.click('#run');
    await page.waitForFunction(() => Number(document.getElementById('stat-steps')?.textContent) >= 5);
    await page.click('#stop');
    await page.waitForSelector('#controls[data-state="idle"]');
    const stopped = await shown(page);
    expect(stopped.status).toMatch(/^stopped after \d+ steps$/);
    expect(Number(stopped.steps)).toBeLessThan(100000);
    expect(stopped.tensorGrowth).toBe('0');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('times the model on wasm (with SIMD) and WebGL and runs on the faster, as the badge says; ?backend= forces one', async () => {
    const auto = await open(browser);
    const chosen = await badge(auto.page);
    expect(Object.keys(chosen.rates)).toEqual(expect.arrayContaining(['wasm', 'webgl']));
    for (const rate of Object.values(chosen.rates)) expect(rate).toBeGreaterThan(0);
    expect(chosen.text).toMatch(new RegExp(`^backend: ${chosen.name} \\(auto: `));
    // The one it runs on has the highest measured rate.
    expect(chosen.rates[chosen.name!]).toBe(Math.max(...Object.values(chosen.rates)));
    // The wasm backend ran its SIMD binary, served as wasm (streaming compilation needs the MIME type).
    expect(auto.wasm).toEqual([expect.objectContaining({ status: 200, type: 'application/wasm' })]);
    expect(auto.wasm[0]!.file).toMatch(/^tfjs-backend-wasm-simd-[\w-]+\.wasm$/);
    expect(await auto.page.getAttribute('#backend', 'title')).toContain('SIMD on');

    // The trials leave no trace: a run with a seed gives the numbers (and holds the tensors) that a
    // page that never timed gives.
    await fit(auto.page, 'elbo', 40);
    expect((await shown(auto.page)).status).toMatch(/^finished 40 steps/);
    const timedFirst = await lastStep(auto.page);
    expect(timedFirst.slice(0, 3).every((v) => v !== 'missing' && Number.isFinite(Number(v.split(' ')[0])))).toBe(true);
    expect(auto.errors).toEqual([]);
    await auto.page.close();

    // Forced, nothing is timed: the chosen one (which must give the same numbers), wasm and WebGL.
    for (const name of new Set([chosen.name!, 'wasm', 'webgl'])) {
      const forced = await open(browser, `?backend=${name}`);
      expect(await badge(forced.page)).toEqual({ text: `backend: ${name} (?backend=${name})`, name, rates: {} });
      if (name === chosen.name) {
        await fit(forced.page, 'elbo', 40);
        expect(await lastStep(forced.page)).toEqual(timedFirst);
      }
      expect(forced.errors).toEqual([]);
      await forced.page.close();
    }
  }, 300_000);

  it('falls back to wasm (binaries served with the site) where WebGL is unavailable', async () => {
    // Without the GPU and without the software rasteriser Chromium has no WebGL at all.
    const noWebgl = await chromium.launch({ executablePath: ensureChromium(), args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-software-rasterizer'] });
    try {
      const { page, errors } = await open(noWebgl, '?dataset=gaussian-mixture');
      expect(await page.textContent('#backend')).toBe('backend: wasm (auto: WebGL unavailable)');
      await fit(page, 'iwae', 30);
      const after = await shown(page);
      expect(after.error).toBeNull();
      expect(after.steps).toBe('30');
      expect(after.dots).toBe(30);
      await page.screenshot({ path: join(SCREENSHOTS, 'playground-wasm-fallback.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await noWebgl.close();
    }
  }, 300_000);
});
