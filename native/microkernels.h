// Micro-kernels: C[mr x nr] (=|+=) sum_k Ap[k][0..MR) * Bp[k][0..NR), on packed, zero-padded panels.
// Each kernel handles a full MR x NR tile; partial tiles go through a scratch tile (see gemm.cc).
#pragma once

#include <cstdint>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ROULETTE_HAVE_AVX2_KERNEL 1
#include <immintrin.h>
#endif

namespace roulette {

// Portable: plain loops over a local accumulator that compilers vectorise for the baseline ISA
// (SSE2 on x86-64, NEON on arm64) without any -march flag.
struct PortableKernel {
  static constexpr int kMr = 4;
  static constexpr int kNr = 8;

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

#ifdef ROULETTE_HAVE_AVX2_KERNEL
// AVX2 + FMA, 6 x 16: twelve ymm accumulators hide the FMA latency on two FMA pipes (Zen, Haswell and
// later). Compiled for AVX2 through a function attribute, so the rest of the addon stays baseline x86-64
// and the kernel is only called after a run-time CPU check.
struct Avx2Kernel {
  static constexpr int kMr = 6;
  static constexpr int kNr = 16;

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
#endif

}  // namespace roulette
