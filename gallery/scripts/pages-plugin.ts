/**
 * A Vite plugin that makes the gallery a multi-page site from the collected data: one HTML page per
 * example (gallery/<name>.html), per study under research/ (gallery/research-<name>.html), per
 * reproduction of a paper (gallery/reproduce-<name>.html) and
 * gallery/diagnostics.html exist only in the build, and each page's
 * data is a JSON module (`virtual:gallery/...`) bundled with it, so every page is a static file that
 * needs no fetch.
 */
import { join } from 'node:path';
import type { Plugin } from 'vite';
import type { Site } from './collect.js';

const PREFIX = 'virtual:gallery/';

/** The generated pages: output name (without .html) -> the entry module and its data module. */
function generatedPages(site: Site): Map<string, { title: string; entry: string; render: string; data: string }> {
  const pages = new Map(site.examples.map((e) => [e.name, { title: e.name, entry: './src/site/example-page.ts', render: 'renderExample', data: `${PREFIX}example/${e.name}` }]));
  for (const r of site.research) pages.set(r.page, { title: r.title, entry: './src/site/research-page.ts', render: 'renderResearch', data: `${PREFIX}research/${r.name}` });
  for (const r of site.reproductions) pages.set(r.page, { title: r.title, entry: './src/site/reproduction-page.ts', render: 'renderReproduction', data: `${PREFIX}reproduce/${r.name}` });
  pages.set('diagnostics', { title: 'diagnostics', entry: './src/site/diagnostics-page.ts', render: 'renderDiagnostics', data: `${PREFIX}diagnostics` });
  return pages;
}

/** A README's heading as HTML text. */
const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function pageHtml(title: string, entry: string, render: string, data: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>roulette gallery: ${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
</head>
<body>
<script type="module">
import { ${render} } from '${entry}';
import page from '${data}';
${render}(page);
</script>
</body>
</html>
`;
}

/** Rollup inputs for the generated pages (absolute paths of HTML files that exist only in the build). */
export function generatedInputs(site: Site, galleryDir: string): Record<string, string> {
  return Object.fromEntries([...generatedPages(site).keys()].map((name) => [name, join(galleryDir, `${name}.html`)]));
}

export function galleryPages(site: Site, galleryDir: string): Plugin {
  const pages = generatedPages(site);
  const pageAt = new Map([...pages].map(([name, page]) => [join(galleryDir, `${name}.html`), page]));
  const modules = new Map<string, unknown>([
    [`${PREFIX}index`, site.index],
    [`${PREFIX}diagnostics`, site.diagnostics],
    ...site.examples.map((e) => [`${PREFIX}example/${e.name}`, e] as const),
    ...site.research.map((r) => [`${PREFIX}research/${r.name}`, r] as const),
    ...site.reproductions.map((r) => [`${PREFIX}reproduce/${r.name}`, r] as const),
  ]);
  return {
    name: 'roulette-gallery-pages',
    resolveId(id) {
      if (pageAt.has(id)) return id;
      if (modules.has(id)) return `\0${id}`;
      if (id.startsWith(PREFIX)) this.error(`${id}: no such gallery data module (known: ${[...modules.keys()].join(', ')})`);
      return null;
    },
    load(id) {
      const page = pageAt.get(id);
      if (page) return pageHtml(page.title, page.entry, page.render, page.data);
      if (id.startsWith(`\0${PREFIX}`)) return `export default ${JSON.stringify(modules.get(id.slice(1)))};`;
      return null;
    },
  };
}
