import * as tf from '@tensorflow/tfjs';
import { normal } from '../../dsl/distributions/normal.js';
import { positive, real } from '../../runtime/constraints.js';
import type { Head } from './head.js';
import { TransformedDistribution } from './transformed.js';
import { fromHost, transformOf, type LatentSite } from './site.js';

/**
 * The `normal` family: a mean-field Gaussian in unconstrained space per site, pushed into the site's
 * support by its bijection, with the log-Jacobian in log q. Params `auto.loc.<site>` (unconstrained)
 * and `auto.scale.<site>` (positive), shaped like one event per batch element.
 */
export function normalHead(site: LatentSite, initScale: number): Head {
  const transform = transformOf(site);
  const event = site.unconstrainedEvent;
  const shape = [...site.paramBatch, ...event];
  return {
    blocks: [
      { key: 'loc', event, constraint: real, init: () => transform.inverse(fromHost(site.init!)) },
      { key: 'scale', event, constraint: positive, init: () => tf.fill(shape, initScale) },
    ],
    law: (values) => {
      const base = normal(values['loc']!, values['scale']!);
      return new TransformedDistribution(event.length > 0 ? base.toEvent(event.length) : base, site.support, site.eventShape);
    },
    point: (values) => transform.forward(values['loc']!),
  };
}
