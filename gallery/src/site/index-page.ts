/** The gallery's front page: every registered example, one line each, the research notes, and the other pages. */
import { append, h, page, section } from './dom.js';
import type { IndexPage } from './types.js';

export function renderIndex(index: IndexPage): void {
  const main = page('roulette gallery', 'Models from the examples/ directory, trained with each estimator; every number and curve comes from the committed result files.', []);
  append(
    main,
    section(
      'Examples',
      h(
        'ul',
        { class: 'examples' },
        ...index.examples.map((e) =>
          h(
            'li',
            {},
            h('a', { href: `${e.name}.html` }, e.name),
            ' — ',
            e.description,
            h('span', { class: 'results' }, e.walkthrough ? ' (walk-through: commands and results on its page)' : e.results.length > 0 ? ` (results: ${e.results.join(', ')})` : ' (no results committed yet)'),
          ),
        ),
      ),
    ),
    index.reproductions.length > 0
      ? section(
          'Reproductions',
          h(
            'ul',
            { class: 'reproductions' },
            ...index.reproductions.map((r) => h('li', {}, h('a', { href: `${r.page}.html` }, r.title), ` — the paper's claims next to ours: ${verdictCounts(r.verdicts)}`)),
          ),
        )
      : null,
    index.research.length > 0
      ? section(
          'Research',
          h('ul', { class: 'research' }, ...index.research.map((r) => h('li', {}, h('a', { href: `${r.page}.html` }, r.title), ' — research notes with their own scripts and results'))),
        )
      : null,
    section(
      'More',
      h(
        'ul',
        {},
        h('li', {}, h('a', { href: 'diagnostics.html' }, 'diagnostics'), ' — bias² and variance against cost on the linear Gaussian model, and SGD with each estimator'),
        index.playground ? h('li', {}, h('a', { href: 'playground.html' }, 'playground'), ' — write a model in the .ppl language and fit it in the browser') : null,
      ),
    ),
  );
}

/** "2 hold, 1 partly" from a reproduction's verdicts, in a fixed order. */
function verdictCounts(verdicts: readonly string[]): string {
  const order = ['holds', 'partly', 'does not hold', 'not run yet'];
  return order
    .map((v) => [v, verdicts.filter((x) => x === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v === 'holds' && n > 1 ? 'hold' : v === 'does not hold' && n > 1 ? 'do not hold' : v}`)
    .join(', ');
}
