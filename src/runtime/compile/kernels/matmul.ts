import { planMatMul } from '../../fast/matmul.js';
import { broadcastIndex, Unsupported, type Impl, type KernelSpec } from './types.js';

/** BatchMatMul and _FusedMatMul: the native GEMM when the addon is loaded, a plain loop otherwise. */

export const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'];

const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5 };

function activate(activation: number, alpha: number): (x: number) => number {
  switch (activation) {
    case 1: return (x) => (x < 0 ? 0 : x);
    case 2: return (x) => Math.min(6, Math.max(0, x));
    case 3: return (x) => (x >= 0 ? x : Math.expm1(x));
    case 4: return (x) => (x < 0 ? alpha * x : x);
    case 5: return (x) => 1 / (1 + Math.exp(-x));
    default: return (x) => x;
  }
}

export function matmul(spec: KernelSpec): Impl {
  const [a, b, bias] = spec.inputs;
  const transposeA = spec.attrs['transposeA'] === true;
  const transposeB = spec.attrs['transposeB'] === true;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') throw new Unsupported(spec.kernel, 'non-float32 operands');
  const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
  if (!plan) throw new Unsupported(spec.kernel, 'shapes');
  const fused = spec.kernel === '_FusedMatMul';
  const activationName = fused ? String(spec.attrs['activation'] ?? 'linear') : 'linear';
  const activation = ACTIVATIONS[activationName];
  if (activation === undefined) throw new Unsupported(spec.kernel, `activation ${activationName}`);
  const alpha = Number(spec.attrs['leakyreluAlpha'] ?? 0.2);
  const { m, n, k, aOffsets, bOffsets } = plan;
  const batch = aOffsets.length;
  const outShape = spec.outputs[0]!.shape;
  const biasIndex = fused && bias ? broadcastIndex(bias.shape, outShape) : undefined;
  const act = activate(activation, alpha);
  const addon = spec.addon;
  if (addon) {
    const dims = Int32Array.of(m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, batch, 0);
    return {
      run: (ins, outs) => {
        const out = outs[0] as Float32Array;
        addon.matmul(ins[0] as Float32Array, ins[1] as Float32Array, out, dims, aOffsets, bOffsets, null, biasIndex ? 0 : activation, alpha, null);
        if (biasIndex) {
          const bv = ins[2]!;
          for (let i = 0; i < out.length; i++) out[i] = act(out[i]! + bv[biasIndex[i]!]!);
        }
      },
    };
  }
  // a[i, p] at aOff + (transposeA ? p * m + i : i * k + p); b[p, j] likewise.
  return {
    run: (ins, outs) => {
      const x = ins[0]!;
      const y = ins[1]!;
      const out = outs[0]!;
      for (let t = 0; t < batch; t++) {
        const ao = aOffsets[t]!;
        const bo = bOffsets[t]!;
        const oo = t * m * n;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) {
              s += x[ao + (transposeA ? p * m + i : i * k + p)]! * y[bo + (transposeB ? j * k + p : p * n + j)]!;
            }
            out[oo + i * n + j] = s;
          }
        }
      }
      if (biasIndex) {
        const bv = ins[2]!;
        for (let i = 0; i < out.length; i++) out[i] = act(out[i]! + bv[biasIndex[i]!]!);
      } else if (activation !== 0) {
        for (let i = 0; i < out.length; i++) out[i] = act(out[i]!);
      }
    },
  };
}
