#include "optim.h"

#include <cmath>

namespace roulette {

namespace {

// One loop body for both variants; with AMSGRAD fixed at compile time each loop stays branch-free and
// vectorises (float32, as tfjs's own Adam computes).
template <bool AMSGRAD>
void adam_loop(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, float* __restrict vmax, int64_t n,
               const AdamStep& s) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = s.keep1 * m[i] + s.take1 * gi;
    const float vi = s.keep2 * v[i] + s.take2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float second = vi;
    if (AMSGRAD) {
      second = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = second;
    }
    p[i] -= s.step * mi / (std::sqrt(second) * s.root + s.eps);
  }
}

}  // namespace

void adam(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamStep& s) {
  if (vmax) adam_loop<true>(p, g, m, v, vmax, n, s);
  else adam_loop<false>(p, g, m, v, nullptr, n, s);
}

}  // namespace roulette
