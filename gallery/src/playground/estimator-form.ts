/**
 * The estimator picker and its options: one input per flag of the chosen estimator (named as on the
 * command line, `roulette fit --help` text as the tooltip), read back into the flag values `create`
 * takes.
 */
import type { EstimatorChoice, EstimatorEntry, FlagValues } from '../../../src/cli/estimators.js';
import type { Dataset, EstimatorName } from './datasets.js';
import { PlaygroundError } from './errors.js';
import { estimatorsFor, initialFlagValues } from './estimators.js';

export interface EstimatorForm {
  /** Offer the estimators of `dataset` (keeps the current choice when it still applies). */
  setDataset(dataset: Dataset): void;
  /** The chosen estimator, built from the form; throws a PlaygroundError naming a malformed option. */
  read(): { readonly name: string; readonly choice: EstimatorChoice };
}

export function createEstimatorForm(select: HTMLSelectElement, summary: HTMLElement, options: HTMLElement): EstimatorForm {
  let entries: readonly EstimatorEntry[] = [];
  let dataset: Dataset | undefined;

  const entry = (): EstimatorEntry => entries.find((e) => e.name === select.value) ?? entries[0]!;

  function renderOptions(): void {
    const chosen = entry();
    summary.textContent = chosen.summary;
    const initial = initialFlagValues(chosen.name as EstimatorName, dataset!);
    options.replaceChildren(
      ...chosen.flags.map((f) => {
        const label = document.createElement('label');
        label.title = f.help;
        const input = document.createElement('input');
        input.name = f.flag;
        input.id = `option-${f.flag}`;
        const value = initial[f.flag];
        if (f.type === 'boolean') {
          input.type = 'checkbox';
          input.checked = value === true;
          label.append(input, ` ${f.flag}`);
        } else {
          input.type = 'number';
          input.step = f.type === 'integer' ? '1' : 'any';
          input.placeholder = 'default';
          if (value !== undefined) input.value = String(value);
          label.append(`${f.flag} `, input);
        }
        return label;
      }),
    );
  }

  function read(): { name: string; choice: EstimatorChoice } {
    const chosen = entry();
    const values: Record<string, number | boolean | undefined> = {};
    for (const f of chosen.flags) {
      const input = options.querySelector<HTMLInputElement>(`input[name="${f.flag}"]`)!;
      if (f.type === 'boolean') {
        values[f.flag] = input.checked;
        continue;
      }
      if (input.value.trim() === '') continue; // the estimator's default
      const n = Number(input.value);
      if (!Number.isFinite(n) || (f.type === 'integer' && !Number.isInteger(n))) {
        throw new PlaygroundError(`${chosen.name} option ${f.flag}: expected ${f.type === 'integer' ? 'an integer' : 'a number'}, got '${input.value}'`);
      }
      values[f.flag] = n;
    }
    return { name: chosen.name, choice: chosen.create(values as FlagValues) };
  }

  select.addEventListener('change', renderOptions);
  return {
    setDataset(next) {
      dataset = next;
      const previous = select.value;
      entries = estimatorsFor(next);
      select.replaceChildren(...entries.map((e) => new Option(e.name, e.name)));
      select.value = entries.some((e) => e.name === previous) ? previous : entries[0]!.name;
      renderOptions();
    },
    read,
  };
}
