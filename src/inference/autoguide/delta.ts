import { delta } from '../../dsl/distributions/delta.js';
import { real } from '../../runtime/constraints.js';
import type { Head } from './head.js';
import { fromHost, transformOf, type LatentSite } from './site.js';

/**
 * The `delta` family: a point mass per site at T(`auto.loc.<site>`), the loc unconstrained as in every
 * family and T the bijection of the site's support. log q = 0, so maximising the ELBO maximises
 * log p(x, z) at z = T(loc): the MAP estimate in the support's own coordinates (no Jacobian enters).
 */
export function deltaHead(site: LatentSite): Head {
  const transform = transformOf(site);
  return {
    blocks: [{ key: 'loc', event: site.unconstrainedEvent, constraint: real, init: () => transform.inverse(fromHost(site.init!)) }],
    law: (values) => delta(transform.forward(values['loc']!), { eventDim: site.eventShape.length }),
    point: (values) => transform.forward(values['loc']!),
  };
}
