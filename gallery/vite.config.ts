/**
 * The gallery site: `npm run gallery` builds gallery/dist, a static multi-page site (index, one page
 * per registered example, diagnostics, and the playground when gallery/playground.html exists) with
 * relative asset paths, viewable from any static file server (`npm run gallery:serve`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { collectSite } from './scripts/collect.js';
import { galleryPages, generatedInputs } from './scripts/pages-plugin.js';

const galleryDir = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(galleryDir, '..');

export default defineConfig(async (): Promise<UserConfig> => {
  // The playground is written separately; the site builds with or without it.
  const playground = join(galleryDir, 'playground.html');
  const hasPlayground = existsSync(playground);
  // GALLERY_RESULTS=dir shows another results directory (e.g. a fresh `npm run example -- ... --out dir`).
  const results = process.env['GALLERY_RESULTS'] ? resolve(process.env['GALLERY_RESULTS']) : join(root, 'examples', 'results');
  const site = await collectSite(root, { results, playground: hasPlayground });
  return {
    root: galleryDir,
    base: './',
    publicDir: false,
    plugins: [galleryPages(site, galleryDir)],
    build: {
      outDir: join(galleryDir, 'dist'),
      emptyOutDir: true,
      rollupOptions: {
        input: {
          index: join(galleryDir, 'index.html'),
          ...generatedInputs(site, galleryDir),
          ...(hasPlayground ? { playground } : {}),
        },
      },
    },
    preview: { host: '127.0.0.1', port: 4173 },
  };
});
