// Elementwise binary ops with tfjs's broadcasting, for float32 arithmetic and comparisons and bool
// logic. The stock wasm kernels index every element through a generic broadcast path when shapes
// differ (an Equal of [100, 784] against a scalar took ~1 ms); here dims are collapsed and the inner
// loop runs with fixed strides.
#pragma once

#include <cstdint>

namespace roulette {

enum class Binary : int32_t {
  // float32 x float32 -> float32
  kAdd = 0,
  kSub = 1,
  kMul = 2,
  kDiv = 3,
  // float32 x float32 -> bool (uint8 0/1)
  kEqual = 10,
  kNotEqual = 11,
  kLess = 12,
  kLessEqual = 13,
  kGreater = 14,
  kGreaterEqual = 15,
  // bool x bool -> bool
  kLogicalAnd = 20,
  kLogicalOr = 21,
};

bool binary_is_known(int32_t op);

// out[idx] = op(a[idx . a_strides], b[idx . b_strides]) over the index space `shape` (rank dims);
// a stride of 0 broadcasts that operand along the dim. a, b, out are float or uint8 as the op says.
void binary(Binary op, const void* a, const void* b, void* out, int rank, const int64_t* shape, const int64_t* a_strides,
            const int64_t* b_strides);

// out[i] = cond[i] ? a[i] : b[i] for n float32 elements (tfjs Select with equal shapes).
void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t n);

}  // namespace roulette
