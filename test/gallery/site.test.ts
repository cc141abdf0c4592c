import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../examples/registry.js';
import { walkthroughs } from '../../examples/walkthroughs.js';
import { reproductionPages } from '../../examples/reproduce/pages.js';
import { readRecords } from '../../examples/reproduce/records.js';
import { buildGallery, collectErrors, GALLERY_RESULTS, launchBrowser, serveStatic } from './browser.js';

/**
 * The gallery site as a reader gets it: built with `npm run gallery`, served by a plain static file
 * server, loaded in Chromium. Every page must load without console or page errors and show what the
 * committed results hold: a chart per result kind with marks drawn, a row per result file, non-blank
 * pictures where pictures are committed, a page per study under research/ linked from the index and
 * from the examples whose README names it. What each page must show is read here from
 * examples/results (or GALLERY_RESULTS=dir) and research/ directly, not from the site's own data, so
 * a page that leaves something out fails.
 */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const RESULTS = GALLERY_RESULTS;
/** Screenshots (committed) show the committed results only. */
const SCREENSHOTS = RESULTS === join(ROOT, 'examples', 'results') ? join(ROOT, 'gallery', 'screenshots') : null;

interface Committed {
  /** Estimators with a training-run file (examples/run.ts's format). */
  readonly runs: readonly string[];
  /** Estimators with a pictures file. */
  readonly pictures: readonly string[];
  /** Whether a C-ISIR run reports meeting-time stats (the per-run histogram). */
  readonly meetingTimes: boolean;
  /** How many runs carry a test learning curve (--test-every). */
  readonly testCurves: number;
  readonly summary: boolean;
}

function committed(name: string): Committed {
  const dir = join(RESULTS, name);
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const runs = files
    .filter((f) => f.endsWith('.json') && !f.endsWith('.pictures.json'))
    .map((f) => ({ estimator: f.replace(/\.json$/, ''), json: JSON.parse(readFileSync(join(dir, f), 'utf8')) as { epochs?: { stats: Record<string, number>; testLogLikelihood?: number }[] } }))
    .filter((r) => Array.isArray(r.json.epochs));
  return {
    runs: runs.map((r) => r.estimator),
    pictures: files.filter((f) => f.endsWith('.pictures.json')).map((f) => f.replace(/\.pictures\.json$/, '')),
    meetingTimes: runs.some((r) => r.json.epochs!.some((e) => 'meetingMean' in e.stats)),
    testCurves: runs.filter((r) => r.json.epochs!.some((e) => e.testLogLikelihood !== undefined)).length,
    summary: files.includes('summary.md'),
  };
}

/** Every Plot chart on the page with the number of marks it drew (line paths, dots, bars). */
function charts(page: Page): Promise<{ name: string; marks: number }[]> {
  return page.$$eval('figure.chart', (figures) =>
    figures.map((figure) => ({
      name: figure.getAttribute('data-chart') ?? '',
      marks: figure.querySelectorAll('svg g[aria-label="line"] path, svg g[aria-label="dot"] circle, svg g[aria-label="rect"] rect, svg g[aria-label="bar"] rect').length,
    })),
  );
}

/** For each canvas under `selector`: whether any pixel differs from the white background. */
function canvasesInked(page: Page, selector: string): Promise<boolean[]> {
  return page.$$eval(`${selector} canvas`, (canvases) =>
    (canvases as HTMLCanvasElement[]).map((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return data.some((v, i) => i % 4 !== 3 && v < 200);
    }),
  );
}

const examples = [...registry.keys()];

/** The studies under research/ (a README each) and their first headings. */
const research = (existsSync(join(ROOT, 'research')) ? readdirSync(join(ROOT, 'research')) : [])
  .filter((name) => statSync(join(ROOT, 'research', name)).isDirectory() && existsSync(join(ROOT, 'research', name, 'README.md')))
  .map((name) => {
    const readme = readFileSync(join(ROOT, 'research', name, 'README.md'), 'utf8');
    return { name, readme, title: /^#\s+(.*)$/m.exec(readme)![1]!.trim() };
  });
/** The studies an example's README names (research/<name>): its page links to each. */
const researchOf = (name: string): string[] => {
  const path = join(ROOT, 'examples', name, 'README.md');
  const readme = existsSync(path) ? readFileSync(path, 'utf8') : '';
  return research.filter((r) => readme.includes(`research/${r.name}`)).map((r) => `research-${r.name}.html`);
};
const reproductions = reproductionPages(RESULTS);
/** Where each reproduction's per-seed records are, for the numbers its page must show (read here directly). */
const RECORDS: Readonly<Record<string, { readonly dirs: readonly string[]; readonly digits: number }>> = {
  'figure-eight': { dirs: ['figure-eight/reproduction'], digits: 4 },
  'mnist-shi-cornish': { dirs: ['vae-mnist/shi-cornish/equal-epochs', 'vae-mnist/shi-cornish/equal-time', 'vae-mnist/shi-cornish/longer'], digits: 2 },
};
let browser: Browser;
let server: { url: string; close: () => Promise<void> };
let dist: string;

beforeAll(async () => {
  dist = await buildGallery();
  server = await serveStatic(dist);
  browser = await launchBrowser();
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Loads a page of the built site, runs `check` on it, then saves its screenshot; fails on any console or page error. */
async function visit(file: string, check: (page: Page) => Promise<void>): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const errors = collectErrors(page);
  try {
    const response = await page.goto(new URL(file, server.url).href, { waitUntil: 'load' });
    expect(response?.status(), file).toBe(200);
    await page.waitForSelector('main h1');
    // Errors first: a page that threw half-way would otherwise fail on whatever it did not draw.
    expect(errors, `${file}: console / page errors while loading`).toEqual([]);
    await check(page);
    expect(errors, `${file}: console / page errors`).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, file.replace(/\.html$/, '.png')), fullPage: true });
  } finally {
    await page.close();
  }
}

describe('gallery site (npm run gallery)', () => {
  it('builds a static page per example, the index and diagnostics, with relative asset paths only', () => {
    for (const file of ['index.html', 'diagnostics.html', ...examples.map((e) => `${e}.html`), ...research.map((r) => `research-${r.name}.html`), ...reproductions.map((r) => `${r.page}.html`)]) {
      const html = readFileSync(join(dist, file), 'utf8');
      const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      expect(urls.length, file).toBeGreaterThan(0);
      for (const url of urls) expect(url, `${file} must load assets by relative path`).toMatch(/^(\.\/|data:)/);
    }
  });

  it('index lists every example with a link and its description', async () => {
    await visit('index.html', async (page) => {
      for (const name of examples) {
        const item = page.locator('ul.examples li', { has: page.locator(`a[href="${name}.html"]`) });
        await expect(item.textContent()).resolves.toContain(registry.get(name)!.description);
      }
      await expect(page.locator('a[href="diagnostics.html"]').count()).resolves.toBe(1);
      for (const r of research) await expect(page.locator(`ul.research a[href="research-${r.name}.html"]`).textContent()).resolves.toBe(r.title);
      const playground = existsSync(join(ROOT, 'gallery', 'playground.html')) ? 1 : 0;
      await expect(page.locator('a[href="playground.html"]').count()).resolves.toBe(playground);
    });
  });

  for (const name of examples) {
    it(`${name}: description, model source, and what examples/results/${name} holds`, async () => {
      const expected = committed(name);
      await visit(`${name}.html`, async (page) => {
        await expect(page.locator('h1').textContent()).resolves.toBe(name);
        await expect(page.locator('.lede').textContent()).resolves.toBe(registry.get(name)!.description);
        const ppl = existsSync(join(ROOT, 'examples', name, 'model.ppl'));
        await expect(page.locator('pre.source').count()).resolves.toBe((ppl ? 1 : 0) + 1);
        const drawn = await charts(page);
        for (const chart of drawn) expect(chart.marks, `${name}: chart ${chart.name} has no marks`).toBeGreaterThan(0);
        if (expected.runs.length > 0) {
          // One line per estimator in the training chart, one table row per result file.
          expect(drawn.find((c) => c.name === 'training')?.marks, `${name}: training curves`).toBe(expected.runs.length);
          const rows = await page.locator('table[data-table="log-likelihood"] tbody tr td:first-child').allTextContents();
          expect(rows.sort()).toEqual([...expected.runs].sort());
          await expect(page.locator('table[data-table="stats"] tbody tr').count()).resolves.toBe(expected.runs.length);
          expect(drawn.some((c) => c.name.startsWith('stat-')), `${name}: stats charts`).toBe(true);
        } else {
          expect(drawn.find((c) => c.name === 'training')).toBeUndefined();
        }
        expect(drawn.some((c) => c.name === 'meeting-times'), `${name}: meeting-time histogram`).toBe(expected.meetingTimes);
        // Runs made with --test-every: one test-curve line each (dots too, so at least as many marks).
        if (expected.testCurves > 0) expect(drawn.find((c) => c.name === 'test-curve')?.marks, `${name}: test curves`).toBeGreaterThanOrEqual(expected.testCurves);
        else expect(drawn.find((c) => c.name === 'test-curve')).toBeUndefined();
        const links = await page.locator('p.research a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        expect(links, `${name}: links to the research its README names`).toEqual(researchOf(name));
        if (expected.summary) await expect(page.locator('.summary table').count()).resolves.toBeGreaterThan(0);
        for (const estimator of expected.pictures) {
          const inked = await canvasesInked(page, `[data-pictures="${estimator}"]`);
          expect(inked.length, `${name}/${estimator}: picture canvases`).toBeGreaterThanOrEqual(3);
          expect(inked.every(Boolean), `${name}/${estimator}: every picture canvas has ink`).toBe(true);
        }
        if (registry.get(name)!.images && expected.pictures.length === 0) {
          await expect(page.locator('.missing', { hasText: 'No pictures committed' }).count()).resolves.toBe(1);
        }
      });
    });
  }

  for (const walk of walkthroughs) {
    it(`${walk.name} (a walk-through): its README with its tables, its model source, listed on the index`, async () => {
      const readme = readFileSync(join(ROOT, 'examples', walk.name, 'README.md'), 'utf8');
      const tables = readme.split('\n').filter((line) => /^\|\s*---/.test(line)).length;
      expect(tables, `${walk.name}/README.md holds its results as tables`).toBeGreaterThan(0);
      await visit(`${walk.name}.html`, async (page) => {
        await expect(page.locator('h1').textContent()).resolves.toBe(walk.name);
        await expect(page.locator('.lede').textContent()).resolves.toBe(walk.description);
        await expect(page.locator('main table').count()).resolves.toBeGreaterThanOrEqual(tables);
        // The model and the walk-through's script (example.ts), where they exist.
        const sources = ['model.ppl', 'model.ts', 'example.ts'].filter((file) => existsSync(join(ROOT, 'examples', walk.name, file)));
        await expect(page.locator('pre.source').count()).resolves.toBe(sources.length);
        await expect(page.locator('.missing').count()).resolves.toBe(0);
      });
      await visit('index.html', async (page) => {
        const item = page.locator('ul.examples li', { has: page.locator(`a[href="${walk.name}.html"]`) });
        await expect(item.textContent()).resolves.toContain(walk.description);
      });
    });
  }

  for (const r of research) {
    it(`research/${r.name}: its README as one page, with its tables`, async () => {
      const tables = r.readme.split('\n').filter((line) => /^\|\s*---/.test(line)).length;
      await visit(`research-${r.name}.html`, async (page) => {
        await expect(page.locator('h1').textContent()).resolves.toBe(r.title);
        await expect(page.locator('main table').count()).resolves.toBe(tables);
        await expect(page.locator('a[href="index.html"]').count()).resolves.toBe(1);
      });
    });
  }

  for (const r of reproductions) {
    it(`reproduction ${r.name}: the claims with a verdict each, the numbers and curves behind them`, async () => {
      await visit(`${r.page}.html`, async (page) => {
        await expect(page.locator('h1').textContent()).resolves.toBe(r.title);
        const verdicts = await page.locator('table[data-table="claims"] tbody tr td:last-child').allTextContents();
        expect(verdicts).toEqual(r.claims.map((c) => c.verdict));
        await expect(page.locator('pre code').first().textContent()).resolves.toBe(r.commands.join('\n'));
        const drawn = await charts(page);
        expect(drawn.map((c) => c.name)).toEqual(r.curves.map((c) => c.name));
        for (const [i, chart] of drawn.entries()) {
          const series = new Set(r.curves[i]!.points.map((p) => p.series)).size;
          expect(chart.marks, `${r.name}: chart ${chart.name} draws a line per series`).toBeGreaterThanOrEqual(series);
        }
        // Each estimator's mean test NLL over the committed records, computed here from the files.
        const spec = RECORDS[r.name];
        const text = (await page.locator('main').textContent()) ?? '';
        for (const dir of spec?.dirs ?? []) {
          const path = join(RESULTS, dir);
          const records = existsSync(path) ? readRecords(path, (f) => !f.endsWith('.last-epoch.json')) : [];
          for (const estimator of new Set(records.map((x) => x.estimator))) {
            const mine = records.filter((x) => x.estimator === estimator).map((x) => x.testNll);
            const mean = mine.reduce((a, v) => a + v, 0) / mine.length;
            expect(text, `${r.name}: ${estimator}'s mean test NLL in ${dir}`).toContain(mean.toFixed(spec!.digits));
          }
        }
      });
      await visit('index.html', async (page) => {
        await expect(page.locator(`ul.reproductions a[href="${r.page}.html"]`).textContent()).resolves.toBe(r.title);
      });
    });
  }

  it('diagnostics: bias² and variance against cost, and SGD, from examples/results/diagnostics', async () => {
    await visit('diagnostics.html', async (page) => {
      const drawn = await charts(page);
      const expected = [
        ...(existsSync(join(RESULTS, 'diagnostics', 'gaussian.json')) ? ['bias2', 'variance', 'gradBias2', 'gradVariance'].map((k) => `bias-variance-${k}`) : []),
        ...(existsSync(join(RESULTS, 'diagnostics', 'sgd.json')) ? ['sgd-step', 'sgd-draws'] : []),
      ];
      expect(drawn.map((c) => c.name)).toEqual(expected);
      for (const chart of drawn) expect(chart.marks, `chart ${chart.name} has no marks`).toBeGreaterThan(0);
    });
  });
});
