/**
 * The small subset of Markdown the project's READMEs and summaries use: headings, paragraphs, fenced
 * and indented (four-space) code, pipe tables, "- " lists, `code` spans, [links](href) and *emphasis*.
 * Everything becomes text nodes (no HTML passes through; a link's href is only a web address or a
 * research page), so a README cannot inject markup into the page.
 */
import { h, type Child } from './dom.js';

/** *emphasis* inside text: the stars hug the words, so a product `a * b` stays as written. */
function emphasis(text: string): Child[] {
  return text.split(/(\*[^\s*](?:[^*]*[^\s*])?\*)/).map((part, i) => (i % 2 === 1 ? h('em', {}, part.slice(1, -1)) : part));
}

/**
 * Where a README's link goes on the site: web addresses as they are, a study's README
 * (research/<name>/README.md) to its page; other repository paths have no page, so they stay text.
 */
function siteHref(href: string): string | null {
  if (/^https?:\/\//.test(href)) return href;
  const study = /(?:^|\/)research\/([\w-]+)(?:\/README\.md)?\/?$/.exec(href);
  return study ? `research-${study[1]}.html` : null;
}

/** [text](href) links, then *emphasis*, inside text that holds no code span. */
function links(text: string): Child[] {
  return text.split(/(\[[^\]]+\]\([^)\s]+\))/).flatMap((part, i) => {
    if (i % 2 === 0) return emphasis(part);
    const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part)!;
    const target = siteHref(href!);
    return target ? [h('a', { href: target }, label!)] : emphasis(label!);
  });
}

/** `code` spans, links and *emphasis* inside a line of text. */
function inline(text: string): Child[] {
  return text.split(/(`[^`]+`)/).flatMap((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? [h('code', {}, part.slice(1, -1))] : links(part)));
}

const cells = (row: string): string[] => row.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

function table(rows: readonly string[]): HTMLElement {
  // rows[1] is the |---|---| separator.
  const [head, , ...body] = rows;
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...cells(head!).map((c) => h('th', {}, ...inline(c))))),
    h('tbody', {}, ...body.map((row) => h('tr', {}, ...cells(row).map((c) => h('td', {}, ...inline(c)))))),
  );
}

/**
 * Markdown as DOM nodes. `headingOffset` shifts heading levels (a README's "#" becomes an h2 under the
 * page's own h1); `dropTitle` leaves out a leading "# title" line that repeats the page title.
 */
export function markdown(text: string, options: { headingOffset?: number; dropTitle?: boolean } = {}): HTMLElement {
  const offset = options.headingOffset ?? 1;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (options.dropTitle && /^#\s/.test(lines[0] ?? '')) lines.shift();
  const out = h('div', { class: 'markdown' });
  let i = 0;
  const take = (test: (line: string) => boolean): string[] => {
    const taken: string[] = [];
    while (i < lines.length && test(lines[i]!)) taken.push(lines[i++]!);
    return taken;
  };
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.trim() === '') {
      i++;
    } else if (line.startsWith('```')) {
      i++;
      const code = take((l) => !l.startsWith('```'));
      i++; // the closing fence
      out.append(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (heading) {
      i++;
      const level = Math.min(6, heading[1]!.length + offset);
      out.append(h(`h${level}` as 'h2', {}, ...inline(heading[2]!)));
    } else if (line.trimStart().startsWith('|')) {
      out.append(table(take((l) => l.trimStart().startsWith('|'))));
    } else if (line.startsWith('    ')) {
      // An indented code block runs on over blank lines between indented ones.
      const code = take((l) => l.startsWith('    ') || (l.trim() === '' && (lines[i + 1] ?? '').startsWith('    ')));
      out.append(h('pre', {}, h('code', {}, code.map((l) => l.slice(4)).join('\n'))));
    } else if (line.startsWith('- ')) {
      // An item runs on over indented continuation lines.
      const items: string[] = [];
      take((l) => l.startsWith('- ') || (l.startsWith('  ') && l.trim() !== '')).forEach((l) => {
        if (l.startsWith('- ')) items.push(l.slice(2));
        else items[items.length - 1] += ` ${l.trim()}`;
      });
      out.append(h('ul', {}, ...items.map((item) => h('li', {}, ...inline(item)))));
    } else {
      const paragraph = take((l) => l.trim() !== '' && !l.startsWith('```') && !/^#{1,6}\s/.test(l) && !l.trimStart().startsWith('|') && !l.startsWith('- '));
      out.append(h('p', {}, ...inline(paragraph.join(' '))));
    }
  }
  return out;
}
