import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../examples/registry.js';
import { walkthroughs } from '../../examples/walkthroughs.js';
import { buildGallery, collectErrors, GALLERY_RESULTS, launchBrowser, serveStatic } from './browser.js';

/**
 * The gallery site as a reader gets it: built with `npm run gallery`, served by a plain static file
 * server, loaded in Chromium. Every page must load without console or page errors and show what the
 * committed results hold: a chart per result kind with marks drawn, a row per result file, non-blank
 * pictures where pictures are committed. What each page must show is read here from
 * examples/results (or GALLERY_RESULTS=dir) directly, not from the site's own data, so a page that
 * leaves something out fails.
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
  /**
   * Meeting-time files (examples/vae-mnist/meeting-times.ts), in name order: a "<epochs> <kernel>" row
   * per checkpoint and kernel, and the histogram's bars (every meeting-time bin and "capped" per row).
   */
  readonly coupledChains: readonly { file: string; rows: readonly string[]; bars: number }[];
  /** Gradient-variance files (examples/vae-mnist/gradient-variance.ts), in name order, with their estimators. */
  readonly gradientVariance: readonly { file: string; estimators: readonly string[] }[];
  readonly summary: boolean;
}

interface MeetingTimesFile {
  checkpoints?: { epochs: number; kernels: Record<string, { histogram?: Record<string, number> }> }[];
}

/** A file of examples/vae-mnist/meeting-times.ts: checkpoints, each with per-kernel reports. */
const isMeetingTimes = (json: MeetingTimesFile): boolean =>
  Array.isArray(json.checkpoints) && json.checkpoints.some((c) => typeof c === 'object' && c !== null && typeof c.kernels === 'object' && c.kernels !== null);

function committed(name: string): Committed {
  const dir = join(RESULTS, name);
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const runs = files
    .filter((f) => f.endsWith('.json') && !f.endsWith('.pictures.json'))
    .map((f) => ({ estimator: f.replace(/\.json$/, ''), json: JSON.parse(readFileSync(join(dir, f), 'utf8')) as { epochs?: { stats: Record<string, number> }[] } }))
    .filter((r) => Array.isArray(r.json.epochs));
  return {
    runs: runs.map((r) => r.estimator),
    pictures: files.filter((f) => f.endsWith('.pictures.json')).map((f) => f.replace(/\.pictures\.json$/, '')),
    meetingTimes: runs.some((r) => r.json.epochs!.some((e) => 'meetingMean' in e.stats)),
    coupledChains: files
      .filter((f) => f.endsWith('.json') && !f.endsWith('.pictures.json'))
      .sort()
      .map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as MeetingTimesFile }))
      .filter((m) => isMeetingTimes(m.json))
      .map(({ file, json }) => {
        const reports = json.checkpoints!.flatMap((c) => Object.entries(c.kernels).map(([kernel, report]) => ({ row: `${c.epochs} ${kernel}`, report })));
        const bins = new Set(reports.flatMap((r) => Object.keys(r.report.histogram ?? {}).filter((key) => /^meeting(Le|Gt)\d+$/.test(key))));
        return { file, rows: reports.map((r) => r.row), bars: reports.length * (bins.size + 1) };
      }),
    gradientVariance: files
      .filter((f) => /^gradient-variance.*\.json$/.test(f))
      .sort()
      .map((file) => ({ file, estimators: (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { rows: { estimator: string }[] }).rows.map((r) => r.estimator) })),
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
    for (const file of ['index.html', 'diagnostics.html', ...examples.map((e) => `${e}.html`)]) {
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
        // A section per meeting-times file: a table row per (checkpoint, kernel) and the pooled histogram.
        const sections = page.locator('section', { has: page.locator('table[data-table="meeting-times"]') });
        await expect(sections.count(), `${name}: meeting-times sections`).resolves.toBe(expected.coupledChains.length);
        for (const [i, { file, rows, bars }] of expected.coupledChains.entries()) {
          const section = sections.nth(i);
          await expect(section.locator('h2').textContent()).resolves.toBe(`Coupled chains: meeting times against guide training (${file})`);
          const cells = await section.locator('table[data-table="meeting-times"] tbody tr').evaluateAll((trs) =>
            trs.map((tr) => Array.from(tr.querySelectorAll('td')).slice(0, 2).map((td) => td.textContent).join(' ')),
          );
          expect(cells, `${name}/${file}: a row per checkpoint and kernel`).toEqual(rows);
          const histogram = section.locator('figure.chart[data-chart="meeting-times-checkpoints"]');
          await expect(histogram.count()).resolves.toBe(1);
          await expect(histogram.locator('svg g[aria-label="bar"] rect').count(), `${name}/${file}: a bar per bin, kernel and checkpoint`).resolves.toBe(bars);
        }
        expect(drawn.filter((c) => c.name === 'meeting-times-checkpoints').length, `${name}: a meeting-time chart per file`).toBe(expected.coupledChains.length);
        // A table per gradient-variance file, a row per estimator.
        const variance = page.locator('table[data-table="gradient-variance"]');
        await expect(variance.count(), `${name}: gradient-variance tables`).resolves.toBe(expected.gradientVariance.length);
        for (const [i, { file, estimators }] of expected.gradientVariance.entries()) {
          await expect(variance.nth(i).locator('tbody tr td:first-child').allTextContents(), `${name}/${file}`).resolves.toEqual(estimators);
        }
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
        await expect(page.locator('pre.source').count()).resolves.toBe(existsSync(join(ROOT, 'examples', walk.name, 'model.ppl')) ? 1 : 0);
        await expect(page.locator('.missing').count()).resolves.toBe(0);
      });
      await visit('index.html', async (page) => {
        const item = page.locator('ul.examples li', { has: page.locator(`a[href="${walk.name}.html"]`) });
        await expect(item.textContent()).resolves.toContain(walk.description);
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
