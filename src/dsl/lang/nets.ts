import type { Activation } from '../nn.js';

/**
 * What a `net` declaration may build: `mlp(in, hidden..., out[, activation])` (nn.mlp: layers
 * `name.0`, `name.1`, ...) or `dense(in, out[, activation])` (nn.dense: `name.weight`, `name.bias`),
 * and the activations they may use (the names nn.ts knows).
 */
export const NET_BUILDERS = ['mlp', 'dense'] as const;
export type NetBuilder = (typeof NET_BUILDERS)[number];

export const ACTIVATIONS = ['identity', 'tanh', 'relu', 'leakyRelu', 'sigmoid', 'softplus', 'elu'] as const satisfies readonly Activation[];

export function isActivation(name: string): name is Activation {
  return (ACTIVATIONS as readonly string[]).includes(name);
}
