import { fail } from '../runtime/errors.js';
import { compareParams, describeMismatch, guideHint, matches, onlyParams, type ParamComparison } from '../runtime/param-match.js';
import { readParams } from '../runtime/param-io.js';
import { getParamStore, ParamStore, setParamStore, type ParamSnapshot } from '../runtime/param-store.js';
import { Stream } from '../runtime/rng.js';
import { prepared, type Program } from './program.js';

/**
 * The params a model and its guide make on `args`, by name, with their unconstrained shapes (as a
 * params file records them). One run of both programs in a scratch param store, so the store in use is
 * untouched and nothing stays allocated.
 */
export function programParams<A extends unknown[]>(model: Program<A>, guide: Program<A>, args: A, options: { readonly allowPriorDraws?: boolean } = {}): Map<string, number[]> {
  const scratch = new ParamStore();
  const previous = setParamStore(scratch);
  try {
    prepared({ model, guide, args, vectorize: false, ...(options.allowPriorDraws ? { allowPriorDraws: true } : {}) }, Stream.fromSeed('program-params'));
    return new Map(scratch.names().map((name) => [name, [...scratch.variable(name).shape]]));
  } finally {
    setParamStore(previous);
    scratch.clear();
  }
}

export interface LoadParamsOptions {
  /**
   * false (default): the file must hold exactly the program's params, with their shapes. true: load
   * the params that match and report the others (`ignored`, `fresh`), e.g. to start a fit from a
   * related one.
   */
  readonly partial?: boolean;
  /** The guide in use ('file' or 'auto:<family>'), to say so when the file was fitted with another. */
  readonly guide?: string;
  readonly allowPriorDraws?: boolean;
}

export interface LoadedParams {
  readonly snapshot: ParamSnapshot;
  readonly comparison: ParamComparison;
  /** Params in the file that were not loaded (not the program's, or another shape). */
  readonly ignored: readonly string[];
  /** The program's params the file did not give, which start from their initial values. */
  readonly fresh: readonly string[];
}

/**
 * Load a params file for a model and guide (Node only): the file's names and shapes are checked
 * against the params the programs make on `args`, and a file of another program (or of another
 * guide) is refused with the missing, extra and wrong-shape names. `{ partial: true }` loads only what
 * matches instead.
 *
 * @example
 * await loadParamsFor(model, guide, [data], 'params.json');
 */
export async function loadParamsFor<A extends unknown[]>(model: Program<A>, guide: Program<A>, args: A, path: string, options: LoadParamsOptions = {}): Promise<LoadedParams> {
  const snapshot = await readParams(path);
  const comparison = compareParams(programParams(model, guide, args, options), snapshot);
  if (!options.partial && !matches(comparison)) {
    const hint = guideHint(comparison, snapshot, options.guide);
    fail(
      'param-error',
      `${path} does not hold this program's params: ${describeMismatch(comparison)}. ` +
        (hint ? `${hint[0]!.toUpperCase()}${hint.slice(1)}.` : 'Load a file saved by a fit of this program (or start without one).'),
      path,
    );
  }
  getParamStore().restore(onlyParams(snapshot, comparison.matching));
  return {
    snapshot,
    comparison,
    ignored: [...comparison.extra, ...comparison.wrongShape.map((w) => w.name)],
    fresh: [...comparison.missing, ...comparison.wrongShape.map((w) => w.name)],
  };
}
