/**
 * Reads everything the gallery pages show, at build time: the example registry (names, one-line
 * descriptions, estimators), each example's README and model sources, the committed result files
 * under examples/results/ (one schema: examples/result.ts, plus pictures and a summary.md), the
 * reproductions' pages (examples/reproduce/pages.ts) and the READMEs of the studies under research/. A results file of another shape is a build error, so a new
 * kind of result is never silently left off the site.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type { BiasVarianceRow, DiagnosticsPage, ExamplePage, ImageGrid, IndexPage, Pictures, ReproductionPage, ResearchLink, ResearchPage, Run, SgdPoint, SourceFile } from '../src/site/types.js';

export interface Site {
  readonly index: IndexPage;
  readonly examples: readonly ExamplePage[];
  readonly diagnostics: DiagnosticsPage;
  readonly research: readonly ResearchPage[];
  readonly reproductions: readonly ReproductionPage[];
}

/** The part of examples/registry.ts's `GalleryExample` the site uses. */
interface RegistryEntry {
  readonly name: string;
  readonly description: string;
  readonly estimators: readonly string[];
  readonly images?: unknown;
}

/** The registry itself (run through tsx: it is TypeScript that imports the library). */
async function loadRegistry(root: string): Promise<readonly RegistryEntry[]> {
  const module = (await tsImport(join(root, 'examples', 'registry.ts'), import.meta.url)) as { registry: ReadonlyMap<string, RegistryEntry> };
  return [...module.registry.values()];
}

/** examples/reproduce/pages.ts: the reproductions' pages, built from the result files under `results`. */
async function loadReproductions(root: string, results: string): Promise<readonly ReproductionPage[]> {
  const module = (await tsImport(join(root, 'examples', 'reproduce', 'pages.ts'), import.meta.url)) as { reproductionPages: (results: string) => ReproductionPage[] };
  return module.reproductionPages(results);
}

/** examples/walkthroughs.ts: examples whose README holds their results. */
async function loadWalkthroughs(root: string): Promise<readonly { name: string; description: string }[]> {
  const module = (await tsImport(join(root, 'examples', 'walkthroughs.ts'), import.meta.url)) as { walkthroughs: readonly { name: string; description: string }[] };
  return module.walkthroughs;
}

const readText = (path: string): string | null => (existsSync(path) ? readFileSync(path, 'utf8') : null);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readJson(path: string): Record<string, unknown> {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(value)) throw new Error(`${path}: expected a JSON object`);
  return value;
}

const RUN_FIELDS = ['estimator', 'config', 'data', 'epochs', 'testLogLikelihood', 'seconds', 'stepsPerSecond'] as const;

/** A training run without its per-step objectives (the pages plot per-epoch means; steps would be most of the bytes). */
function toRun(path: string, json: Record<string, unknown>): Run {
  const missing = RUN_FIELDS.filter((field) => json[field] === undefined);
  if (missing.length > 0) throw new Error(`${path}: a run of examples/run.ts, but without ${missing.join(', ')}`);
  const { example: _example, backend: _backend, stepObjectives: _steps, ...run } = json;
  return run as unknown as Run;
}

/** Intensities in [0, 1] as base64 bytes: a 24-image grid is 19 kB instead of ~150 kB of JSON numbers. */
function toGrid(images: unknown, width: number, height: number, path: string): ImageGrid {
  if (!Array.isArray(images) || images.some((image) => !Array.isArray(image) || image.length !== width * height)) {
    throw new Error(`${path}: expected arrays of ${width * height} intensities`);
  }
  const rows = images as number[][];
  const bytes = Buffer.from(rows.flatMap((image) => image.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255))));
  return { width, height, count: rows.length, pixels: bytes.toString('base64') };
}

function toPictures(path: string, json: Record<string, unknown>): Pictures {
  const width = Number(json['width']);
  const height = Number(json['height']);
  return {
    estimator: String(json['estimator']),
    originals: toGrid(json['originals'], width, height, path),
    reconstructions: toGrid(json['reconstructions'], width, height, path),
    samples: toGrid(json['samples'], width, height, path),
  };
}

/** Order of estimators on the pages: the registry's (bounds first, then the debiased ones). */
const ESTIMATOR_ORDER = ['elbo', 'iwae', 'sumo', 'mlss', 'mlrr', 'cisir'];
const byEstimator = (a: { estimator: string }, b: { estimator: string }): number => ESTIMATOR_ORDER.indexOf(a.estimator) - ESTIMATOR_ORDER.indexOf(b.estimator);

export function readResults(dir: string): Pick<ExamplePage, 'runs' | 'pictures' | 'summary'> {
  const runs: Run[] = [];
  const pictures: Pictures[] = [];
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  for (const file of files) {
    const path = join(dir, file);
    const json = readJson(path);
    if (file.endsWith('.pictures.json')) pictures.push(toPictures(path, json));
    else if (Array.isArray(json['epochs']) && typeof json['testLogLikelihood'] === 'number') runs.push(toRun(path, json));
    else throw new Error(`${path}: not a result file the gallery knows (a run of examples/run.ts, or its pictures); teach gallery/scripts/collect.ts to show it`);
  }
  return { runs: runs.sort(byEstimator), pictures: pictures.sort(byEstimator), summary: readText(join(dir, 'summary.md')) };
}

/** Every research/<name>/README.md: the study's notes, one page each. */
export function readResearch(root: string): ResearchPage[] {
  const dir = join(root, 'research');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'README.md')))
    .sort()
    .map((name) => {
      const readme = readFileSync(join(dir, name, 'README.md'), 'utf8');
      const title = /^#\s+(.*)$/m.exec(readme)?.[1]?.trim() ?? name;
      return { name, page: `research-${name}`, title, readme };
    });
}

/** The studies a README points to (by their path, research/<name>). */
function researchLinks(readme: string | null, research: readonly ResearchPage[]): ResearchLink[] {
  return research.filter((r) => readme?.includes(`research/${r.name}`)).map(({ page, title }) => ({ page, title }));
}

/** The model's files; a walk-through also shows its script (example.ts), the part of its README's commands in TypeScript. */
function readSources(dir: string, root: string, files: readonly string[] = ['model.ppl', 'model.ts']): SourceFile[] {
  return files
    .map((file) => join(dir, file))
    .filter(existsSync)
    .map((path) => ({ path: path.slice(root.length + 1), text: readFileSync(path, 'utf8') }));
}

function readDiagnostics(dir: string): DiagnosticsPage {
  const gaussian = existsSync(join(dir, 'gaussian.json')) ? readJson(join(dir, 'gaussian.json')) : null;
  const sgd = existsSync(join(dir, 'sgd.json')) ? readJson(join(dir, 'sgd.json')) : null;
  return {
    readme: readText(join(dir, 'README.md')),
    biasVariance: gaussian && { protocol: gaussian['protocol'] as Record<string, unknown>, rows: gaussian['rows'] as BiasVarianceRow[] },
    sgd: sgd && { steps: Number(sgd['steps']), datapoints: Number(sgd['datapoints']), trajectories: sgd['trajectories'] as Record<string, SgdPoint[]> },
  };
}

/** Everything the site shows, read from the repository at `root` and the result files under `options.results`. */
export async function collectSite(root: string, options: { results: string; playground: boolean }): Promise<Site> {
  const { results } = options;
  const research = readResearch(root);
  const examples = (await loadRegistry(root)).map((entry): ExamplePage => {
    const found = readResults(join(results, entry.name));
    const readme = readText(join(root, 'examples', entry.name, 'README.md'));
    return {
      name: entry.name,
      description: entry.description,
      estimators: [...entry.estimators],
      readme,
      sources: readSources(join(root, 'examples', entry.name), root),
      ...found,
      images: entry.images !== undefined || found.pictures.length > 0,
      research: researchLinks(readme, research),
    };
  });
  for (const walk of await loadWalkthroughs(root)) {
    const dir = join(root, 'examples', walk.name);
    const readme = readText(join(dir, 'README.md'));
    examples.push({
      name: walk.name,
      description: walk.description,
      estimators: [],
      readme,
      sources: readSources(dir, root, ['model.ppl', 'model.ts', 'example.ts']),
      ...readResults(join(results, walk.name)),
      images: false,
      walkthrough: true,
      research: researchLinks(readme, research),
    });
  }
  const reproductions = await loadReproductions(root, results);
  return {
    examples,
    reproductions,
    index: {
      examples: examples.map((e) => ({
        name: e.name,
        description: e.description,
        results: e.runs.map((r) => r.estimator),
        images: e.images,
        ...(e.walkthrough ? { walkthrough: true } : {}),
      })),
      research: research.map(({ page, title }) => ({ page, title })),
      reproductions: reproductions.map((r) => ({ page: r.page, title: r.title, verdicts: r.claims.map((c) => c.verdict) })),
      playground: options.playground,
    },
    diagnostics: readDiagnostics(join(results, 'diagnostics')),
    research,
  };
}
