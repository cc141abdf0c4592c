/**
 * The estimator picker and its options: one input per option of the chosen estimator (named as on the
 * command line, its help and default as the tooltip, the default as the placeholder), read back into
 * the values the registry's `create` takes.
 */
import { optionDefault, optionHelp, type EstimatorChoice, type EstimatorEntry } from '../../../src/inference/index.js';
import type { Dataset } from './datasets.js';
import { PlaygroundError } from './errors.js';
import { estimatorsFor, initialValues } from './estimators.js';

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
    const initial = initialValues(chosen.name, dataset!);
    options.replaceChildren(
      ...chosen.options.map((o) => {
        const label = document.createElement('label');
        label.title = optionHelp(o);
        const input = document.createElement('input');
        input.name = o.key;
        input.id = `option-${o.key}`;
        const value = initial[o.key];
        if (o.spec.kind === 'boolean') {
          input.type = 'checkbox';
          input.checked = (value ?? o.spec.default) === true;
          label.append(input, ` ${o.key}`);
        } else {
          input.type = 'number';
          input.step = o.spec.kind === 'integer' ? '1' : 'any';
          input.placeholder = `default ${optionDefault(o) ?? 'none'}`;
          if (value !== undefined) input.value = String(value);
          label.append(`${o.key} `, input);
        }
        return label;
      }),
    );
  }

  function read(): { name: string; choice: EstimatorChoice } {
    const chosen = entry();
    const values: Record<string, number | boolean | undefined> = {};
    for (const o of chosen.options) {
      const input = options.querySelector<HTMLInputElement>(`input[name="${o.key}"]`)!;
      if (o.spec.kind === 'boolean') {
        values[o.key] = input.checked;
        continue;
      }
      if (input.value.trim() === '') continue; // the estimator's default
      const n = Number(input.value);
      if (!Number.isFinite(n) || (o.spec.kind === 'integer' && !Number.isInteger(n))) {
        throw new PlaygroundError(`${chosen.name} option ${o.key}: expected ${o.spec.kind === 'integer' ? 'an integer' : 'a number'}, got '${input.value}'`);
      }
      values[o.key] = n;
    }
    // Out of range: a RouletteError naming the option and its range (the page shows it).
    return { name: chosen.name, choice: chosen.create(values) };
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
