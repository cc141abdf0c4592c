/** A study under research/ (research notes, not an example): its README as one page. */
import { append, page } from './dom.js';
import { markdown } from './markdown.js';
import type { ResearchPage } from './types.js';

export function renderResearch(research: ResearchPage): void {
  const main = page(research.title, `Research notes: research/${research.name}/README.md, with its scripts and result files beside it.`, [['index.html', 'all examples']]);
  append(main, markdown(research.readme, { dropTitle: true }));
}
