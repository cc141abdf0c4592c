import * as tf from '@tensorflow/tfjs';
import { biject } from '../constraints.js';
import { fail } from '../errors.js';
import type { Message } from '../messages.js';
import { Messenger } from '../stack.js';

/**
 * Sets each latent site to the constrained image of its unconstrained block and records the
 * log-Jacobian of that map: the density of u is the model's density at T(u) times |det J|. The support
 * is read from the site's own distribution as the model reaches it, so a support that depends on an
 * earlier latent (uniform(0, x)) is handled like any other.
 */
export class UnconstrainMessenger extends Messenger {
  readonly logJacobians: tf.Tensor[] = [];
  readonly constrained = new Map<string, tf.Tensor>();

  constructor(private readonly blocks: ReadonlyMap<string, tf.Tensor>) {
    super();
  }

  override process(msg: Message): void {
    if (msg.type !== 'sample' || msg.observed || msg.value !== undefined) return;
    const u = this.blocks.get(msg.name);
    if (!u) {
      fail(
        'unsupported-model',
        `mcmc: site '${msg.name}' was not in the model's first run; a model whose latent sites change from run to run ` +
          `(a branch on a sampled value) cannot be sampled by HMC/NUTS, whose state is a fixed vector`,
        msg.name,
      );
    }
    const support = msg.fn.support;
    const transform = biject(support, `mcmc site '${msg.name}'`);
    const y = transform.forward(u);
    const ldj = transform.logAbsDetJacobian(u);
    // The transform sums over its constraint's event dims; the site's event may span more (toEvent).
    const extra = Math.max(0, msg.fn.eventShape.length - support.eventDim);
    this.logJacobians.push(extra > 0 ? tf.sum(ldj, Array.from({ length: extra }, (_, i) => ldj.rank - extra + i)) : ldj);
    this.constrained.set(msg.name, y);
    msg.value = y;
  }
}
