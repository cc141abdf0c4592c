// Single-precision GEMM for tfjs's MatMul-family kernels: C = op(A) * op(B) (+ bias, activation),
// row-major, with optional transposes and batch offsets. Cache-blocked with packed panels (the BLIS
// scheme), an AVX-512 or AVX2/FMA micro-kernel chosen at run time, and a portable one otherwise.
#pragma once

#include <cstdint>
#include <vector>

namespace roulette {

// Mirrors tfjs's fused activations (the ones _FusedMatMul can ask for).
enum class Activation : int32_t {
  kLinear = 0,
  kRelu = 1,
  kRelu6 = 2,
  kElu = 3,
  kLeakyRelu = 4,
  kSigmoid = 5,
  kPrelu = 6,  // x > 0 ? x : slope[j] * x, one slope per column
};

struct GemmShape {
  int64_t m;  // rows of op(A) and C
  int64_t n;  // columns of op(B) and C
  int64_t k;  // inner dimension
  bool trans_a;  // A is stored [k, m] instead of [m, k]
  bool trans_b;  // B is stored [n, k] instead of [k, n]
};

// One C matrix of a batch: where its A and B start (element offsets) and where it is written.
struct GemmBatch {
  const float* a;
  const float* b;
  float* c;
};

struct Epilogue {
  // Added to every row of C (length n); or, with bias_per_row, one value per row (length m).
  const float* bias = nullptr;
  bool bias_per_row = false;
  Activation activation = Activation::kLinear;
  float alpha = 0.f;  // leaky-relu slope
  const float* prelu = nullptr;  // kPrelu: n slopes
};

// Computes every C in `batches` (count of them). Runs on the thread pool when the work is large enough.
void gemm_batched(const GemmShape& shape, const GemmBatch* batches, int64_t count, const Epilogue& epilogue);

// Which micro-kernel runs: "avx512", "avx2-fma" or "portable".
const char* gemm_kernel_name();

// The micro-kernels this build can run on this CPU, fastest first (the first is the default).
std::vector<const char*> gemm_kernels();

// Runs the named micro-kernel from now on, or the default again for nullptr (tests and benchmarks
// compare them on one machine). False, and nothing changes, for a name not in gemm_kernels().
bool gemm_force_kernel(const char* name);

}  // namespace roulette
