import { fail } from '../runtime/errors.js';
import type { SampleSite, Trace } from '../runtime/trace.js';
import { closest } from '../runtime/names.js';

/**
 * Do a guide and its model agree on their latent sites? Checked on the first run of every pair (the
 * `.ppl` checker says the same things statically: `unmodelled-latent`, `unguided-latent`).
 *
 * - A guide site the model never visits (`taw` for `tau`) adds log q to no log p: an error.
 * - A model latent the guide does not sample is drawn from its prior, and log w = log p(x, z) -
 *   log q(z) then counts log p(z) of a draw that was never proposed by q: a silently wrong estimate.
 *   An error, unless `allowPriorDraws`: then such draws are part of the proposal and their log-prob
 *   cancels from log w (`priorDrawn`). Only reparameterised prior draws are allowed (a discrete one
 *   would need a score-function term for its prior's params, which the estimators do not add).
 * - A model latent marked `{ enumerate: true }` is summed out, not proposed: the guide must not sample
 *   it, and it is not an unguided latent.
 */
export function checkAgreement(guide: Trace, model: Trace, allowPriorDraws: boolean): void {
  const modelSites = new Map(model.sampleSites().map((s) => [s.name, s] as const));
  const modelLatents = model.latentSites().map((s) => s.name);
  for (const site of guide.latentSites()) {
    if (site.enumerate) {
      fail(
        'guide-mismatch',
        `the guide marks its site '${site.name}' { enumerate: true }, but enumeration sums out a model latent; ` +
          "mark the model's site and leave it out of the guide",
        site.name,
      );
    }
    if (modelSites.get(site.name)?.enumerate) {
      fail(
        'guide-mismatch',
        `the guide samples '${site.name}', which the model enumerates ({ enumerate: true }): an enumerated latent is ` +
          "summed out exactly, so the guide must not propose it; remove it from the guide (or the model's mark)",
        site.name,
      );
    }
    if (site.auxiliary || modelSites.has(site.name)) continue;
    const near = closest(site.name, modelLatents);
    fail(
      'guide-mismatch',
      `the guide samples '${site.name}', but the model has no site '${site.name}' (unmodelled-latent)` +
        (near ? `: did you mean '${near}'?` : '.') +
        ` The model's latent sites: ${modelLatents.join(', ') || '(none)'}. ` +
        "Rename the guide's site to the model's name (a guide's own auxiliary draw takes sample(name, d, { auxiliary: true })).",
      site.name,
    );
  }
  const unguided = priorDrawn(guide, model);
  if (unguided.length === 0) return;
  if (!allowPriorDraws) {
    const names = unguided.map((s) => `'${s.name}'`).join(', ');
    fail(
      'guide-mismatch',
      `the model's latent ${names} ${unguided.length > 1 ? 'are' : 'is'} not sampled by the guide (unguided-latent), so ` +
        `${unguided.length > 1 ? 'they would be' : 'it would be'} drawn from the prior and the estimate would be wrong. ` +
        `Sample ${names} in the guide (autoGuide(model, ...) covers every latent), or pass allowPriorDraws: true ` +
        'to make prior draws part of the proposal.',
      unguided[0]!.name,
    );
  }
  const discrete = unguided.filter((s) => !s.reparameterized);
  if (discrete.length > 0) {
    fail(
      'guide-mismatch',
      `allowPriorDraws: the model's latent '${discrete[0]!.name}' is drawn from a prior without a reparameterised sampler; ` +
        "its prior's params would get no gradient. Sample it in the guide instead.",
      discrete[0]!.name,
    );
  }
}

/** The model's latent sites the guide did not sample and the model does not enumerate: drawn from their priors. */
export function priorDrawn(guide: Trace, model: Trace): SampleSite[] {
  return model.latentSites().filter((s) => !s.enumerate && !guide.has(s.name));
}
