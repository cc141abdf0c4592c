// Micro-kernels: C[mr x nr] (=|+=) sum_k Ap[k][0..MR) * Bp[k][0..NR), on packed, zero-padded panels.
// run() handles a full MR x NR tile; partial tiles go through a scratch tile (see gemm.cc) or, for a
// kernel with kMaskedEdges, through its own run_edge, which stores only the rows and columns that
// exist. Each kernel also carries the block sizes measured best for it (gemm.cc says what they are).
#pragma once

#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ROULETTE_HAVE_X86_KERNELS 1
#include <immintrin.h>
#endif

namespace roulette {

// Portable: plain loops over a local accumulator that compilers vectorise for the baseline ISA
// (SSE2 on x86-64, NEON on arm64) without any -march flag.
struct PortableKernel {
  static constexpr int kMr = 4;
  static constexpr int kNr = 8;
  static constexpr int64_t kMc = 120, kKc = 256, kNc = 2048;
  static constexpr bool kMaskedEdges = false;

  static void run(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
    float acc[kMr][kNr] = {};
    for (int64_t p = 0; p < kc; p++) {
      for (int i = 0; i < kMr; i++) {
        const float ai = a[i];
        for (int j = 0; j < kNr; j++) acc[i][j] += ai * b[j];
      }
      a += kMr;
      b += kNr;
    }
    for (int i = 0; i < kMr; i++) {
      float* row = c + i * ldc;
      for (int j = 0; j < kNr; j++) row[j] = accumulate ? row[j] + acc[i][j] : acc[i][j];
    }
  }
};

#ifdef ROULETTE_HAVE_X86_KERNELS
// AVX2 + FMA, 6 x 16: twelve ymm accumulators hide the FMA latency on two FMA pipes (Zen, Haswell and
// later). Compiled for AVX2 through a function attribute, so the rest of the addon stays baseline x86-64
// and the kernel is only called after a run-time CPU check.
struct Avx2Kernel {
  static constexpr int kMr = 6;
  static constexpr int kNr = 16;
  // MC = 60 rather than 120: +8% on a 1024^3 product and +25% on 2048^3 (Sapphire Rapids), level on the
  // VAE's products.
  static constexpr int64_t kMc = 60, kKc = 256, kNc = 2048;
  static constexpr bool kMaskedEdges = false;

  __attribute__((target("avx2,fma"))) static void run(int64_t kc, const float* a, const float* b, float* c,
                                                      int64_t ldc, bool accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int64_t p = 0; p < kc; p++) {
      const __m256 b0 = _mm256_load_ps(b);
      const __m256 b1 = _mm256_load_ps(b + 8);
      __m256 ai = _mm256_broadcast_ss(a + 0);
      c00 = _mm256_fmadd_ps(ai, b0, c00);
      c01 = _mm256_fmadd_ps(ai, b1, c01);
      ai = _mm256_broadcast_ss(a + 1);
      c10 = _mm256_fmadd_ps(ai, b0, c10);
      c11 = _mm256_fmadd_ps(ai, b1, c11);
      ai = _mm256_broadcast_ss(a + 2);
      c20 = _mm256_fmadd_ps(ai, b0, c20);
      c21 = _mm256_fmadd_ps(ai, b1, c21);
      ai = _mm256_broadcast_ss(a + 3);
      c30 = _mm256_fmadd_ps(ai, b0, c30);
      c31 = _mm256_fmadd_ps(ai, b1, c31);
      ai = _mm256_broadcast_ss(a + 4);
      c40 = _mm256_fmadd_ps(ai, b0, c40);
      c41 = _mm256_fmadd_ps(ai, b1, c41);
      ai = _mm256_broadcast_ss(a + 5);
      c50 = _mm256_fmadd_ps(ai, b0, c50);
      c51 = _mm256_fmadd_ps(ai, b1, c51);
      a += kMr;
      b += kNr;
    }
    store(c + 0 * ldc, c00, c01, accumulate);
    store(c + 1 * ldc, c10, c11, accumulate);
    store(c + 2 * ldc, c20, c21, accumulate);
    store(c + 3 * ldc, c30, c31, accumulate);
    store(c + 4 * ldc, c40, c41, accumulate);
    store(c + 5 * ldc, c50, c51, accumulate);
  }

 private:
  __attribute__((target("avx2,fma"))) static inline void store(float* row, __m256 lo, __m256 hi, bool accumulate) {
    if (accumulate) {
      lo = _mm256_add_ps(lo, _mm256_loadu_ps(row));
      hi = _mm256_add_ps(hi, _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, lo);
    _mm256_storeu_ps(row + 8, hi);
  }
};

// AVX-512F, 8 x 48: 24 zmm accumulators, 3 for the row of B and 1 for the broadcast of A use 28 of the
// 32 registers, and 24 independent FMAs a step keep both FMA pipes busy through their 4-cycle latency
// with 3 loads and 8 broadcasts a step (12 x 32 and 14 x 32 need 2 + 12 or 2 + 14, and measured no
// faster). Edge tiles compute only the 16-column vectors they need (a 200-column C ends in one 8-column
// tile: 1 vector instead of 3) and store through masks, with no scratch tile.
struct Avx512Kernel {
  static constexpr int kMr = 8;
  static constexpr int kVectors = 3;  // of 16 floats: kNr = 48
  static constexpr int kNr = 16 * kVectors;
  // Measured on a Sapphire Rapids Xeon (48 KiB L1d, 2 MiB L2): KC = 256 beat 192 by ~5% and matched
  // 384-512; MC = 48 beat 120-240 by 5-8% on the VAE's products and 1024^3 (2% behind on 2048^3); NC
  // from 1008 to 4128 made no difference.
  static constexpr int64_t kMc = 48, kKc = 256, kNc = 43 * kNr;
  static constexpr bool kMaskedEdges = true;

  __attribute__((target("avx512f"))) static void run(int64_t kc, const float* a, const float* b, float* c,
                                                     int64_t ldc, bool accumulate) {
    tile<kVectors>(kc, a, b, c, ldc, accumulate, kMr, kNr);
  }

  // The top-left rows x cols of the tile (rows <= kMr, cols <= kNr).
  __attribute__((target("avx512f"))) static void run_edge(int64_t kc, const float* a, const float* b, float* c,
                                                          int64_t ldc, bool accumulate, int rows, int cols) {
    static_assert(kVectors == 3, "one case per vector count");
    switch ((cols + 15) / 16) {
      case 1:
        tile<1>(kc, a, b, c, ldc, accumulate, rows, cols);
        break;
      case 2:
        tile<2>(kc, a, b, c, ldc, accumulate, rows, cols);
        break;
      default:
        tile<3>(kc, a, b, c, ldc, accumulate, rows, cols);
        break;
    }
  }

 private:
  // V vectors of each packed B row (its stride stays kNr). The loops have constant bounds and are
  // unrolled, so acc and bv live in registers.
  template <int V>
  __attribute__((target("avx512f"))) static inline void tile(int64_t kc, const float* a, const float* b, float* c,
                                                             int64_t ldc, bool accumulate, int rows, int cols) {
    __m512 acc[kMr][V];
#pragma GCC unroll 8
    for (int i = 0; i < kMr; i++) {
#pragma GCC unroll 3
      for (int j = 0; j < V; j++) acc[i][j] = _mm512_setzero_ps();
    }
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; p++) {
      __m512 bv[V];
#pragma GCC unroll 3
      for (int j = 0; j < V; j++) bv[j] = _mm512_load_ps(b + 16 * j);
#pragma GCC unroll 8
      for (int i = 0; i < kMr; i++) {
        const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 3
        for (int j = 0; j < V; j++) acc[i][j] = _mm512_fmadd_ps(ai, bv[j], acc[i][j]);
      }
      a += kMr;
      b += kNr;
    }
    // Masked loads and stores touch only the lanes that are set, so the columns past C's edge are
    // neither read nor written.
    const __mmask16 last = static_cast<__mmask16>(0xffffu >> (16 * V - cols));
#pragma GCC unroll 8
    for (int i = 0; i < kMr; i++) {
      if (i >= rows) break;
      float* row = c + i * ldc;
#pragma GCC unroll 3
      for (int j = 0; j < V; j++) {
        const __mmask16 mask = j == V - 1 ? last : static_cast<__mmask16>(0xffff);
        __m512 v = acc[i][j];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, row + 16 * j));
        _mm512_mask_storeu_ps(row + 16 * j, mask, v);
      }
    }
  }
};
#endif

}  // namespace roulette
