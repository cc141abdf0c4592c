#include "tile.h"

#include <cstring>
#include <vector>

namespace roulette {
namespace {

// Fills `copies` repetitions of the `bytes`-long block at `block` (which is already written) by doubling.
void repeat_block(char* block, size_t bytes, int64_t copies) {
  size_t done = bytes;
  const size_t total = bytes * static_cast<size_t>(copies);
  while (done < total) {
    const size_t chunk = done < total - done ? done : total - done;
    std::memcpy(block + done, block, chunk);
    done += chunk;
  }
}

struct Tiler {
  const char* x;
  char* out;
  size_t element;
  const int64_t* shape;
  const int64_t* reps;
  int rank;
  std::vector<size_t> in_block;   // bytes of one x sub-block below each dimension
  std::vector<size_t> out_block;  // bytes of one out sub-block below each dimension

  // Writes the out block of dimension d from the x block at `src` into `dst`.
  void fill(int d, const char* src, char* dst) const {
    if (d == rank) {
      std::memcpy(dst, src, element);
      return;
    }
    const size_t in_step = in_block[d + 1];
    const size_t out_step = out_block[d + 1];
    if (d == rank - 1) {
      std::memcpy(dst, src, element * static_cast<size_t>(shape[d]));
    } else {
      for (int64_t i = 0; i < shape[d]; i++) fill(d + 1, src + i * in_step, dst + i * out_step);
    }
    repeat_block(dst, out_step * static_cast<size_t>(shape[d]), reps[d]);
  }
};

}  // namespace

void tile(const void* x, void* out, size_t element_size, const int64_t* shape, const int64_t* reps, int rank) {
  Tiler t{static_cast<const char*>(x), static_cast<char*>(out), element_size, shape, reps, rank, {}, {}};
  t.in_block.assign(static_cast<size_t>(rank) + 1, element_size);
  t.out_block.assign(static_cast<size_t>(rank) + 1, element_size);
  for (int d = rank - 1; d >= 0; d--) {
    if (shape[d] == 0 || reps[d] == 0) return;  // empty output
    t.in_block[d] = t.in_block[d + 1] * static_cast<size_t>(shape[d]);
    t.out_block[d] = t.out_block[d + 1] * static_cast<size_t>(shape[d] * reps[d]);
  }
  t.fill(0, t.x, t.out);
}

}  // namespace roulette
