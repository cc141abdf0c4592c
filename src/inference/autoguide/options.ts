import { fail } from '../../runtime/errors.js';
import type { Amortize } from './amortize.js';
import type { FlowOptions } from './flow.js';
import { checkInit, type InitOption } from './init.js';

export type AutoGuideFamily = 'delta' | 'normal' | 'multivariateNormal' | 'flow';

const FAMILIES: readonly AutoGuideFamily[] = ['delta', 'normal', 'multivariateNormal', 'flow'];

export interface AutoGuideOptions<A extends unknown[]> extends FlowOptions {
  /**
   * - `delta`: MAP point estimates;
   * - `normal`: mean-field Gaussian in unconstrained space, pushed into each site's support;
   * - `multivariateNormal`: one Gaussian over all latents (full covariance, or low rank with `rank`);
   * - `flow`: affine coupling layers on standard normals, then a per-coordinate affine map (`layers`, `hidden`).
   */
  readonly family: AutoGuideFamily;
  /** Where the params start (default 'median' of the prior); see `InitStrategy`. */
  readonly init?: InitOption;
  /** Initial standard deviation in unconstrained space (default 0.1). */
  readonly initScale?: number;
  /** `multivariateNormal` only: a rank-`rank` plus diagonal covariance instead of a full one. */
  readonly rank?: number;
  /** `normal` / `delta` only: an encoder for the latents of one plate instead of per-datapoint params. */
  readonly amortize?: Amortize<A>;
  /** Prefix of param names and of the joint families' auxiliary site (default 'auto'). */
  readonly prefix?: string;
}

export function checkOptions<A extends unknown[]>(options: AutoGuideOptions<A>): void {
  const { family } = options;
  if (!FAMILIES.includes(family)) {
    fail('invalid-argument', `autoGuide: unknown family '${String(family)}'; use one of ${FAMILIES.join(', ')}`, 'family');
  }
  checkInit(options.init);
  const positiveNumber = (value: number | undefined, what: string): void => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) fail('invalid-argument', `autoGuide: ${what} must be a positive number, got ${value}`, what);
  };
  const positiveInteger = (value: number | undefined, what: string, min = 1): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      fail('invalid-argument', `autoGuide: ${what} must be an integer >= ${min}, got ${value}`, what);
    }
  };
  positiveNumber(options.initScale, 'initScale');
  positiveInteger(options.rank, 'rank');
  positiveInteger(options.layers, 'layers', 0);
  for (const h of options.hidden ?? []) positiveInteger(h, 'hidden');
  for (const h of options.amortize?.hidden ?? []) positiveInteger(h, 'amortize.hidden');
  const only = (given: unknown, what: string, families: readonly AutoGuideFamily[]): void => {
    if (given !== undefined && !families.includes(family)) {
      fail('invalid-argument', `autoGuide: ${what} applies to family ${families.map((f) => `'${f}'`).join(' or ')}, not '${family}'`, what);
    }
  };
  only(options.rank, 'rank', ['multivariateNormal']);
  only(options.layers ?? options.hidden, 'layers/hidden', ['flow']);
  only(options.amortize, 'amortize', ['normal', 'delta']);
  if (options.amortize && typeof options.amortize.input !== 'function') {
    fail('invalid-argument', 'autoGuide: amortize.input must be a function (indices, ...args) => features [B, F]', 'amortize.input');
  }
}

