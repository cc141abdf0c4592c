/**
 * Building the pages' DOM: an element factory (text always goes in as text nodes, never as HTML) and
 * the page frame shared by every gallery page.
 */
import '../style.css';

export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string>> = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  append(element, ...children);
  return element;
}

/** Appends the children that are there (null, undefined and false stand for "nothing here"). */
export function append(parent: Element, ...children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/** A page: title, a one-line lede, navigation back to the gallery; returns the element to fill. */
export function page(title: string, lede: string, links: readonly (readonly [string, string])[] = [['index.html', 'all examples']]): HTMLElement {
  document.title = `roulette gallery: ${title}`;
  const nav = h('nav', {}, ...links.flatMap(([href, text], i) => [i > 0 ? ' · ' : null, h('a', { href }, text)]));
  const main = h('main', {}, h('header', {}, nav, h('h1', {}, title), h('p', { class: 'lede' }, lede)));
  document.body.append(main);
  return main;
}

export function section(title: string, ...children: readonly Child[]): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children);
}

/** Fixed significant digits without exponent noise for the magnitudes on these pages. */
export function fmt(value: number | undefined, digits = 4): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6)) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}
