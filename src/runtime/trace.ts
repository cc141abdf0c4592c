import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.js';
import type { ParamRole, PlateFrame, SiteDistribution } from './messages.js';

/** A sampled or observed site as recorded by `trace`. */
export interface SampleSite {
  readonly type: 'sample';
  readonly name: string;
  readonly fn: SiteDistribution;
  readonly value: tf.Tensor;
  /** log p(value), batch-shaped, already multiplied by `scale` and zeroed where masked. */
  readonly logProb: tf.Tensor;
  readonly observed: boolean;
  readonly kind: 'latent' | 'observed' | 'factor';
  readonly plates: readonly PlateFrame[];
  readonly scale: number;
  readonly mask: tf.Tensor | undefined;
  readonly reparameterized: boolean;
  /** A guide's auxiliary draw: not a latent of the model (see `sample`'s options). */
  readonly auxiliary?: boolean;
  /** Marked for enumeration (`sample`'s options): summed out by the estimators, never guided. */
  readonly enumerate?: boolean;
  /** When enumerated: the batch dim holding the support (value and log-prob vary along it). */
  readonly enumDim?: number;
}

export interface ParamSite {
  readonly type: 'param';
  readonly name: string;
  readonly value: tf.Tensor;
  readonly role: ParamRole | undefined;
}

export interface PlateSite {
  readonly type: 'plate';
  readonly name: string;
  readonly size: number;
  readonly subsampleSize: number;
  /** int32 subsample indices. */
  readonly value: tf.Tensor;
}

export interface DeterministicSite {
  readonly type: 'deterministic';
  readonly name: string;
  readonly value: tf.Tensor;
  readonly plates: readonly PlateFrame[];
}

export type Site = SampleSite | ParamSite | PlateSite | DeterministicSite;

/**
 * The record of one run of a program: its sites by name, in execution order. Tensors in a trace are
 * owned by the caller's `tf.tidy` scope (or released with `dispose()`).
 */
export class Trace {
  readonly #sites = new Map<string, Site>();
  returnValue: unknown = undefined;

  /** Sites by name (iteration order is execution order; use `siteList` for integer-like names). */
  get sites(): Readonly<Record<string, Site>> {
    return Object.fromEntries(this.#sites);
  }

  get siteList(): readonly Site[] {
    return [...this.#sites.values()];
  }

  get(name: string): Site | undefined {
    return this.#sites.get(name);
  }

  has(name: string): boolean {
    return this.#sites.has(name);
  }

  /** A sample site by name, or an error naming it. */
  sample(name: string): SampleSite {
    const site = this.#sites.get(name);
    if (!site || site.type !== 'sample') fail('invalid-argument', `the trace has no sample site '${name}'`, name);
    return site;
  }

  add(site: Site): void {
    const existing = this.#sites.get(site.name);
    if (existing) {
      if (site.type === 'param' && existing.type === 'param') return; // reading a param twice is fine
      if (site.type === 'plate' && existing.type === 'plate') return; // re-entering a plate reuses it
      fail(
        'duplicate-site',
        `site name '${site.name}' is used twice (as ${existing.type} and as ${site.type}); every sample, ` +
          `observe, factor and deterministic site needs its own name (inside loops, add the index: \`z_\${i}\`)`,
        site.name,
      );
    }
    this.#sites.set(site.name, site);
  }

  sampleSites(): SampleSite[] {
    return this.siteList.filter((s): s is SampleSite => s.type === 'sample');
  }

  latentSites(): SampleSite[] {
    return this.sampleSites().filter((s) => !s.observed);
  }

  observedSites(): SampleSite[] {
    return this.sampleSites().filter((s) => s.observed);
  }

  paramSites(): ParamSite[] {
    return this.siteList.filter((s): s is ParamSite => s.type === 'param');
  }

  plateSites(): PlateSite[] {
    return this.siteList.filter((s): s is PlateSite => s.type === 'plate');
  }

  /** Sum of every sample site's (scaled, masked) log-prob: a scalar. */
  logProbSum(): tf.Tensor {
    return tf.tidy(() => this.sampleSites().reduce<tf.Tensor>((acc, s) => tf.add(acc, tf.sum(s.logProb)), tf.scalar(0)));
  }

  /** Dispose the log-probs this trace computed (values belong to whoever created them). */
  dispose(): void {
    for (const site of this.#sites.values()) if (site.type === 'sample') site.logProb.dispose();
  }
}
