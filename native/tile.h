// tfjs's Tile (out[i] = x[i mod x.shape]) as block copies: the innermost dimension is copied once and
// then doubled in place, every outer level repeats the finished block. tfjs's wasm Tile computes a
// multi-index per element, which made it the second-largest kernel of a VAE step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace roulette {

// `shape` and `reps` have `rank` entries; `x` holds prod(shape) elements of `element_size` bytes and `out`
// prod(shape * reps).
void tile(const void* x, void* out, size_t element_size, const int64_t* shape, const int64_t* reps, int rank);

}  // namespace roulette
