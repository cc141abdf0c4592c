// Elementwise float32 functions for tfjs's transcendental unary kernels. tfjs's wasm kernels call libm
// once per element (~20 ns); these are branch-free polynomial versions (Cephes' single-precision
// coefficients) that compilers vectorise, accurate to a few ulp, with tfjs's results at 0, +-inf and NaN.
#pragma once

#include <cstdint>

namespace roulette {

enum class Unary : int32_t {
  kExp = 0,
  kLog = 1,
  kLog1p = 2,
  kTanh = 3,
  kSigmoid = 4,
  kSoftplus = 5,
};

constexpr int32_t kUnaryCount = 6;

void unary(Unary op, const float* x, float* y, int64_t n);

}  // namespace roulette
