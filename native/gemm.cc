#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#ifdef __SSE2__
#include <xmmintrin.h>
#endif

#include "microkernels.h"
#include "thread_pool.h"

namespace roulette {
namespace {

// Block sizes (BLIS's names) come with each micro-kernel (K::kKc, kMc, kNc, in microkernels.h): a KC x
// NR panel of B stays in L1 while the MR x KC panels of an MC x KC block of A stream past it from L2,
// and a KC x NC block of B stays in L2/L3.

// Below this many flops a job runs on the calling thread: waking a helper costs more than it saves.
constexpr double kParallelFlops = 2.0e6;

// Read in place of rows past the edge of A or B while packing, so the packing loops have no bounds to
// test; as long as the longest KC.
alignas(64) const float kZeros[1024] = {};

// Grow-only, 64-byte-aligned scratch per thread for the packed panels.
struct Scratch {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data;
  size_t capacity = 0;

  float* get(size_t floats) {
    if (floats > capacity) {
      const size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
      data.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      capacity = bytes / sizeof(float);
    }
    return data.get();
  }
};

thread_local Scratch packed_a;
thread_local Scratch packed_b;

// Element (i, p) of op(A) and (p, j) of op(B) for the original row-major storage.
struct View {
  const float* a;
  const float* b;
  int64_t lda;  // row stride of A as stored
  int64_t ldb;  // row stride of B as stored
  bool trans_a;
  bool trans_b;
};

// out[p * R + r] = rows[r][p] for p < kc: transposes R rows into a k-major panel. On x86-64 in 4 x 4
// blocks with SSE (baseline there): one float at a time, this took a third of the time of products
// with a small k and a transposed B (48 rows read side by side).
template <int R>
void interleave_rows(const float* const* rows, int64_t kc, float* out) {
  int64_t p = 0;
#ifdef __SSE2__
  for (; p + 4 <= kc; p += 4, out += 4 * R) {
    int r = 0;
    for (; r + 4 <= R; r += 4) {
      __m128 x0 = _mm_loadu_ps(rows[r] + p), x1 = _mm_loadu_ps(rows[r + 1] + p);
      __m128 x2 = _mm_loadu_ps(rows[r + 2] + p), x3 = _mm_loadu_ps(rows[r + 3] + p);
      _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
      _mm_storeu_ps(out + r, x0);
      _mm_storeu_ps(out + R + r, x1);
      _mm_storeu_ps(out + 2 * R + r, x2);
      _mm_storeu_ps(out + 3 * R + r, x3);
    }
    for (; r < R; r++) {
      for (int q = 0; q < 4; q++) out[q * R + r] = rows[r][p + q];
    }
  }
#endif
  for (; p < kc; p++, out += R) {
    for (int r = 0; r < R; r++) out[r] = rows[r][p];
  }
}

// Packs op(A)[i0:i0+mc, p0:p0+kc] into MR-row panels, k-major, zero-padding the last panel.
template <int MR>
void pack_a(const View& v, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    const int rows = static_cast<int>(std::min<int64_t>(MR, mc - ir));
    if (v.trans_a) {
      // Stored [k, m]: the MR values for one p are contiguous.
      for (int64_t p = 0; p < kc; p++) {
        const float* src = v.a + (p0 + p) * v.lda + i0 + ir;
        int r = 0;
        for (; r < rows; r++) out[r] = src[r];
        for (; r < MR; r++) out[r] = 0.f;
        out += MR;
      }
    } else {
      const float* rowp[MR];
      for (int r = 0; r < MR; r++) rowp[r] = r < rows ? v.a + (i0 + ir + r) * v.lda + p0 : kZeros;
      interleave_rows<MR>(rowp, kc, out);
      out += MR * kc;
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into NR-column panels, k-major, zero-padding the last panel.
template <int NR>
void pack_b(const View& v, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    const int cols = static_cast<int>(std::min<int64_t>(NR, nc - jr));
    if (!v.trans_b) {
      // Stored [k, n]: the NR values for one p are contiguous.
      for (int64_t p = 0; p < kc; p++) {
        const float* src = v.b + (p0 + p) * v.ldb + j0 + jr;
        if (cols == NR) {
          std::memcpy(out, src, sizeof(float) * NR);
        } else {
          int c = 0;
          for (; c < cols; c++) out[c] = src[c];
          for (; c < NR; c++) out[c] = 0.f;
        }
        out += NR;
      }
    } else {
      // Stored [n, k]: read NR rows in parallel so each is walked contiguously.
      const float* colp[NR];
      for (int c = 0; c < NR; c++) colp[c] = c < cols ? v.b + (j0 + jr + c) * v.ldb + p0 : kZeros;
      interleave_rows<NR>(colp, kc, out);
      out += NR * kc;
    }
  }
}

// C[i0:i0+m, j0:j0+n] of one matrix, on the calling thread.
template <typename K>
void gemm_tile(const View& v, int64_t k, float* c, int64_t ldc, int64_t i0, int64_t m, int64_t j0, int64_t n) {
  constexpr int MR = K::kMr;
  constexpr int NR = K::kNr;
  constexpr int64_t kKc = K::kKc, kMc = K::kMc, kNc = K::kNc;
  static_assert(kMc % MR == 0 && kNc % NR == 0, "blocks hold whole micro-tiles");
  static_assert(kKc <= static_cast<int64_t>(sizeof(kZeros) / sizeof(float)), "kZeros covers a packed row");
  const int64_t nc_max = std::min(kNc, ((n + NR - 1) / NR) * NR);
  const int64_t mc_max = std::min(kMc, ((m + MR - 1) / MR) * MR);
  const int64_t kc_max = std::min(kKc, k);
  float* bp = packed_b.get(static_cast<size_t>(kc_max * nc_max));
  float* ap = packed_a.get(static_cast<size_t>(kc_max * mc_max));
  alignas(64) float edge[MR * NR];

  for (int64_t jc = 0; jc < n; jc += kNc) {
    const int64_t nc = std::min(kNc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKc) {
      const int64_t kc = std::min(kKc, k - pc);
      const bool accumulate = pc > 0;
      pack_b<NR>(v, pc, kc, j0 + jc, nc, bp);
      for (int64_t ic = 0; ic < m; ic += kMc) {
        const int64_t mc = std::min(kMc, m - ic);
        pack_a<MR>(v, i0 + ic, mc, pc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t cols = std::min<int64_t>(NR, nc - jr);
          const float* b_panel = bp + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t rows = std::min<int64_t>(MR, mc - ir);
            const float* a_panel = ap + ir * kc;
            float* cij = c + (i0 + ic + ir) * ldc + j0 + jc + jr;
            if (rows == MR && cols == NR) {
              K::run(kc, a_panel, b_panel, cij, ldc, accumulate);
            } else if constexpr (K::kMaskedEdges) {
              K::run_edge(kc, a_panel, b_panel, cij, ldc, accumulate, static_cast<int>(rows), static_cast<int>(cols));
            } else {
              K::run(kc, a_panel, b_panel, edge, NR, false);
              for (int64_t r = 0; r < rows; r++) {
                float* dst = cij + r * ldc;
                const float* src = edge + r * NR;
                if (accumulate) {
                  for (int64_t q = 0; q < cols; q++) dst[q] += src[q];
                } else {
                  std::memcpy(dst, src, sizeof(float) * cols);
                }
              }
            }
          }
        }
      }
    }
  }
  if (k == 0) {
    for (int64_t r = 0; r < m; r++) std::memset(c + (i0 + r) * ldc + j0, 0, sizeof(float) * n);
  }
}

inline float activate(float x, const Epilogue& e, int64_t column) {
  switch (e.activation) {
    case Activation::kLinear:
      return x;
    case Activation::kRelu:
      return x > 0.f ? x : 0.f;
    case Activation::kRelu6:
      return std::min(std::max(x, 0.f), 6.f);
    case Activation::kElu:
      return x > 0.f ? x : std::expm1(x);
    case Activation::kLeakyRelu:
      return x > 0.f ? x : e.alpha * x;
    case Activation::kSigmoid:
      return 1.f / (1.f + std::exp(-x));
    case Activation::kPrelu:
      return x > 0.f ? x : e.prelu[column] * x;
  }
  return x;
}

void apply_epilogue(const Epilogue& e, float* c, int64_t ldc, int64_t i0, int64_t m, int64_t j0, int64_t n) {
  if (e.bias == nullptr && e.activation == Activation::kLinear) return;
  for (int64_t i = i0; i < i0 + m; i++) {
    float* row = c + i * ldc;
    if (e.bias != nullptr) {
      if (e.bias_per_row) {
        const float b = e.bias[i];
        for (int64_t j = j0; j < j0 + n; j++) row[j] += b;
      } else {
        for (int64_t j = j0; j < j0 + n; j++) row[j] += e.bias[j];
      }
    }
    if (e.activation != Activation::kLinear) {
      for (int64_t j = j0; j < j0 + n; j++) row[j] = activate(row[j], e, j);
    }
  }
}

// The micro-kernels, fastest first; kKernelNames in the same order.
enum class Kernel : int { kAvx512, kAvx2, kPortable };
constexpr const char* kKernelNames[] = {"avx512", "avx2-fma", "portable"};
constexpr int kKernelCount = 3;

// __builtin_cpu_supports also checks that the OS saves the ymm / zmm registers (XGETBV), not only CPUID.
bool cpu_runs(Kernel kernel) {
#ifdef ROULETTE_HAVE_X86_KERNELS
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  static const bool avx512 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
  }();
  if (kernel == Kernel::kAvx512) return avx512;
  if (kernel == Kernel::kAvx2) return avx2;
#endif
  return kernel == Kernel::kPortable;
}

// A Kernel set by gemm_force_kernel, or -1 for the fastest the CPU runs.
std::atomic<int> forced{-1};

Kernel active_kernel() {
  const int f = forced.load(std::memory_order_relaxed);
  if (f >= 0) return static_cast<Kernel>(f);
  for (int k = 0; k < kKernelCount; k++) {
    if (cpu_runs(static_cast<Kernel>(k))) return static_cast<Kernel>(k);
  }
  return Kernel::kPortable;
}

// One unit of parallel work: a rectangle of one matrix of the batch.
struct Piece {
  int64_t batch;
  int64_t i0, m, j0, n;
};

template <typename K>
void run_pieces(const GemmShape& s, const GemmBatch* batches, const Epilogue& e, const Piece* pieces, int64_t count) {
  auto one = [&](int64_t t) {
    const Piece& piece = pieces[t];
    const GemmBatch& g = batches[piece.batch];
    const View v{g.a, g.b, s.trans_a ? s.m : s.k, s.trans_b ? s.k : s.n, s.trans_a, s.trans_b};
    gemm_tile<K>(v, s.k, g.c, s.n, piece.i0, piece.m, piece.j0, piece.n);
    apply_epilogue(e, g.c, s.n, piece.i0, piece.m, piece.j0, piece.n);
  };
  if (count == 1) {
    one(0);
  } else {
    parallel_for(count, one);
  }
}

template <typename K>
void gemm_batched_with(const GemmShape& s, const GemmBatch* batches, int64_t count, const Epilogue& e) {
  constexpr int MR = K::kMr;
  constexpr int NR = K::kNr;
  const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k) * count;
  const int threads = flops < kParallelFlops ? 1 : pool_size();
  // Whole matrices when there are enough of them; otherwise split each along its longer side, in whole
  // micro-tiles, into about two pieces per thread: the spare pieces let the calling thread take over
  // work from a helper that a busy machine schedules late. Every piece packs its own panels, so pieces
  // are kept few: the duplicated packing is O(m k + k n) against O(m n k) flops.
  const int64_t target = threads == 1 ? 1 : 2 * static_cast<int64_t>(threads);
  const int64_t per_matrix = count >= target ? 1 : (target + count - 1) / count;
  std::unique_ptr<Piece[]> pieces(new Piece[static_cast<size_t>(count * per_matrix)]);
  int64_t used = 0;
  for (int64_t b = 0; b < count; b++) {
    if (per_matrix == 1) {
      pieces[used++] = Piece{b, 0, s.m, 0, s.n};
      continue;
    }
    const bool split_rows = s.m * NR >= s.n * MR;  // compare in tiles, not elements
    const int64_t unit = split_rows ? MR : NR;
    const int64_t extent = split_rows ? s.m : s.n;
    const int64_t tiles = (extent + unit - 1) / unit;
    const int64_t parts = std::min(per_matrix, tiles);
    for (int64_t p = 0; p < parts; p++) {
      const int64_t from = (tiles * p / parts) * unit;
      const int64_t to = std::min(extent, (tiles * (p + 1) / parts) * unit);
      if (to <= from) continue;
      pieces[used++] = split_rows ? Piece{b, from, to - from, 0, s.n} : Piece{b, 0, s.m, from, to - from};
    }
  }
  run_pieces<K>(s, batches, e, pieces.get(), used);
}

}  // namespace

void gemm_batched(const GemmShape& shape, const GemmBatch* batches, int64_t count, const Epilogue& epilogue) {
  if (count <= 0 || shape.m <= 0 || shape.n <= 0) return;
  switch (active_kernel()) {
#ifdef ROULETTE_HAVE_X86_KERNELS
    case Kernel::kAvx512:
      return gemm_batched_with<Avx512Kernel>(shape, batches, count, epilogue);
    case Kernel::kAvx2:
      return gemm_batched_with<Avx2Kernel>(shape, batches, count, epilogue);
#endif
    default:
      return gemm_batched_with<PortableKernel>(shape, batches, count, epilogue);
  }
}

const char* gemm_kernel_name() { return kKernelNames[static_cast<int>(active_kernel())]; }

std::vector<const char*> gemm_kernels() {
  std::vector<const char*> names;
  for (int k = 0; k < kKernelCount; k++) {
    if (cpu_runs(static_cast<Kernel>(k))) names.push_back(kKernelNames[k]);
  }
  return names;
}

bool gemm_force_kernel(const char* name) {
  if (name == nullptr) {
    forced.store(-1, std::memory_order_relaxed);
    return true;
  }
  for (int k = 0; k < kKernelCount; k++) {
    if (std::strcmp(name, kKernelNames[k]) == 0 && cpu_runs(static_cast<Kernel>(k))) {
      forced.store(k, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

}  // namespace roulette
