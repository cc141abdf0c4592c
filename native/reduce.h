// Sum over one contiguous block of axes, seen as x[outer][reduce][inner] -> out[outer][inner]. tfjs's
// wasm Sum transposes the reduced axes to the end first, which for a bias gradient (a column sum of
// [500, 784]) costs more than the sum itself.
#pragma once

#include <cstdint>

namespace roulette {

void reduce_sum(const float* x, float* out, int64_t outer, int64_t reduce, int64_t inner);

}  // namespace roulette
