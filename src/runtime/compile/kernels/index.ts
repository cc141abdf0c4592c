import { ELEMENTWISE_KERNELS, elementwise } from './elementwise.js';
import { LAYOUT_KERNELS, layout } from './layout.js';
import { MATMUL_KERNELS, matmul } from './matmul.js';
import { REDUCE_KERNELS, reduction } from './reduce.js';
import { Unsupported, type Impl, type KernelBuilder, type KernelSpec } from './types.js';

export { Unsupported, type Impl, type KernelSpec } from './types.js';

const BUILDERS = new Map<string, KernelBuilder>([
  ...ELEMENTWISE_KERNELS.map((k) => [k, elementwise] as const),
  ...REDUCE_KERNELS.map((k) => [k, reduction] as const),
  ...LAYOUT_KERNELS.map((k) => [k, layout] as const),
  ...MATMUL_KERNELS.map((k) => [k, matmul] as const),
]);

/** The kernels compiled programs implement. */
export const COMPILED_KERNELS: readonly string[] = [...BUILDERS.keys()];

/** The compiled form of one kernel call; throws `Unsupported` for a kernel (or form) it lacks. */
export function kernelImpl(spec: KernelSpec): Impl {
  const builder = BUILDERS.get(spec.kernel);
  if (!builder) throw new Unsupported(spec.kernel);
  return builder(spec);
}
