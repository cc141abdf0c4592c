/** A paper's experiment reproduced: its claims next to ours with a verdict each, then the evidence. */
import { reproductionCurve } from './charts.js';
import { append, h, page, section } from './dom.js';
import { markdown } from './markdown.js';
import { table } from './tables.js';
import type { ReproductionPage } from './types.js';

export function renderReproduction(reproduction: ReproductionPage): void {
  const main = page(reproduction.title, reproduction.source);
  const series = [...new Set(reproduction.curves.flatMap((c) => c.points.map((p) => p.series)))];
  append(
    main,
    section(
      'The claims',
      table(
        ['claim', 'published', 'ours', 'verdict'],
        reproduction.claims.map((c) => [c.claim, c.published, c.ours || '—', c.verdict]),
        'claims',
      ),
    ),
    section('How it was made', h('pre', {}, h('code', {}, reproduction.commands.join('\n'))), h('p', {}, 'Where our protocol differs from the paper\'s:'), h('ul', { class: 'differences' }, ...reproduction.differences.map((d) => h('li', {}, d)))),
    reproduction.tables.length > 0 ? section('Numbers', ...reproduction.tables.map((t, i) => h('figure', {}, table(t.columns, t.rows, `numbers-${i}`), h('figcaption', {}, t.caption)))) : h('p', { class: 'missing' }, 'No results committed yet: run the commands above.'),
    reproduction.curves.length > 0 ? section('Curves', h('div', { class: 'charts' }, ...reproduction.curves.map((c) => reproductionCurve(c, series)))) : null,
    reproduction.notes ? section('Notes', markdown(reproduction.notes, { headingOffset: 2, dropTitle: true })) : null,
  );
}
