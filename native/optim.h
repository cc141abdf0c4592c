// Fused optimiser updates: one pass over a variable and its slots, in place.
#pragma once

#include <cstdint>

namespace roulette {

struct AdamStep {
  float keep1;  // beta1
  float take1;  // (1 - beta1) * gradient scale
  float keep2;  // beta2
  float take2;  // (1 - beta2) * gradient scale^2
  float step;   // lr / (1 - beta1^t)
  float root;   // 1 / sqrt(1 - beta2^t)
  float eps;
};

// m = keep1 m + take1 g; v = keep2 v + take2 g^2; vmax = max(vmax, v) when given;
// p -= step m / (sqrt(vmax or v) root + eps).
void adam(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, const AdamStep& s);

}  // namespace roulette
