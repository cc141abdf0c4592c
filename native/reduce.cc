#include "reduce.h"

#include <cstring>

namespace roulette {
namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ROULETTE_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ROULETTE_CLONES
#endif

// Sum of n contiguous floats: 16 running partial sums (a vectorisable, fixed order, and more accurate
// than one running sum), combined in double.
ROULETTE_CLONES float sum_contiguous(const float* x, int64_t n) {
  constexpr int kLanes = 16;
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; l++) lanes[l] += x[i + l];
  }
  double total = 0;
  for (int l = 0; l < kLanes; l++) total += lanes[l];
  for (; i < n; i++) total += x[i];
  return static_cast<float>(total);
}

// out[0..inner) = sum over r of x[r * inner + j]: whole rows added at a time.
ROULETTE_CLONES void sum_rows(const float* x, float* out, int64_t reduce, int64_t inner) {
  std::memcpy(out, x, sizeof(float) * static_cast<size_t>(inner));
  for (int64_t r = 1; r < reduce; r++) {
    const float* row = x + r * inner;
    for (int64_t j = 0; j < inner; j++) out[j] += row[j];
  }
}

}  // namespace

void reduce_sum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner) {
  if (reduce == 0) {
    std::memset(out, 0, sizeof(float) * static_cast<size_t>(outer * inner));
    return;
  }
  for (int64_t o = 0; o < outer; o++) {
    const float* block = x + o * reduce * inner;
    if (inner == 1) {
      out[o] = sum_contiguous(block, reduce);
    } else {
      sum_rows(block, out + o * inner, reduce, inner);
    }
  }
}

}  // namespace roulette
