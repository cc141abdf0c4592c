import { ELEMENTWISE_KERNELS, elementwise } from './elementwise.js';
import { LAYOUT_KERNELS, layout } from './layout.js';
import { MATMUL_KERNELS, matmul } from './matmul.js';
import { REDUCE_KERNELS, reduction } from './reduce.js';
import { fusedKernel } from '../../fused/kernel.js';
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
  const fusedForm = fusedKernel(spec.kernel);
  if (fusedForm) {
    // roulette's own fused kernels (src/runtime/fused) run the same loop compiled as eagerly.
    if (spec.outputs.some((o) => o.dtype !== 'float32')) throw new Unsupported(spec.kernel, 'a non-float32 output');
    const run = fusedForm.prepare(spec.inputs.map((o) => o.shape), spec.outputs.map((o) => o.shape), spec.attrs);
    return { run: (ins, outs) => run(ins, outs as Float32Array[]) };
  }
  const builder = BUILDERS.get(spec.kernel);
  if (!builder) throw new Unsupported(spec.kernel);
  return builder(spec);
}
