#include "unary.h"

#include <cstring>
#include <limits>

// Forced inlining: the target_clones copies below are compiled for another ISA, and GCC does not inline
// ordinary inline functions across that boundary (the loops would call a scalar function per element).
#if defined(__GNUC__)
#define ROULETTE_INLINE inline __attribute__((always_inline))
#else
#define ROULETTE_INLINE inline
#endif

namespace roulette {
namespace {

ROULETTE_INLINE float from_bits(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

ROULETTE_INLINE int32_t to_bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}

// 2^n for integral n in [-126, 127], built in the exponent field.
ROULETTE_INLINE float pow2i(float n) { return from_bits((static_cast<int32_t>(n) + 127) << 23); }

// Rounds to the nearest integer for |x| < 2^22 without a rounding instruction (SSE2 has none).
ROULETTE_INLINE float round_nearest(float x) {
  constexpr float kMagic = 12582912.f;  // 1.5 * 2^23
  return (x + kMagic) - kMagic;
}

ROULETTE_INLINE float exp_f(float x) {
  const bool is_nan = x != x;
  // Beyond these exp is 0 or inf in float32; clamping keeps n within the split scaling below.
  x = x > 89.f ? 89.f : x;
  x = x < -104.f ? -104.f : x;
  const float n = round_nearest(x * 1.44269504088896341f);
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.f;
  // 2^n in two factors so neither leaves the normal range; the product then rounds to inf, a
  // subnormal or 0 as IEEE says.
  const float shift = n > 120.f ? 64.f : (n < -120.f ? -64.f : 0.f);
  const float y = p * pow2i(n - shift) * pow2i(shift);
  return is_nan ? x : y;
}

ROULETTE_INLINE float log_f(float x) {
  const bool subnormal = x < 1.17549435e-38f;
  const float xs = subnormal ? x * 8388608.f : x;  // 2^23 brings subnormals into the normal range
  const int32_t bits = to_bits(xs);
  float e = static_cast<float>(((bits >> 23) & 0xff) - 126) - (subnormal ? 23.f : 0.f);
  float m = from_bits((bits & 0x007fffff) | 0x3f000000);  // in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1.f : e;
  m = small ? m + m - 1.f : m - 1.f;
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float y = p * m * z;
  y += e * -2.12194440e-4f;
  y += -0.5f * z;
  y = m + y + e * 0.693359375f;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  y = x == kInf ? kInf : y;
  y = x == 0.f ? -kInf : y;
  y = x < 0.f ? kNan : y;
  return x != x ? x : y;
}

// log(1 + x) without the cancellation of forming 1 + x: log(u) * x / (u - 1) with u = fl(1 + x).
ROULETTE_INLINE float log1p_f(float x) {
  const float u = 1.f + x;
  const float d = u - 1.f;
  const float y = log_f(u) * (x / d);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float r = d == 0.f ? x : y;
  return x == kInf ? kInf : r;
}

ROULETTE_INLINE float tanh_f(float x) {
  const float z = x < 0.f ? -x : x;
  // Large |x|: 1 - 2 / (e^{2|x|} + 1), exact enough once |x| > 0.625.
  const float big = 1.f - 2.f / (exp_f(z + z) + 1.f);
  const float signed_big = x < 0.f ? -big : big;
  // Small |x|: odd polynomial (Cephes tanhf).
  const float x2 = x * x;
  float p = -5.70498872745e-3f;
  p = p * x2 + 2.06390887954e-2f;
  p = p * x2 - 5.37397155531e-2f;
  p = p * x2 + 1.33314422036e-1f;
  p = p * x2 - 3.33332819422e-1f;
  const float small = x + x * x2 * p;
  return z > 0.625f ? signed_big : small;  // NaN takes the small branch and stays NaN
}

ROULETTE_INLINE float sigmoid_f(float x) { return 1.f / (1.f + exp_f(-x)); }

// log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): no overflow, full relative accuracy for x << 0.
ROULETTE_INLINE float softplus_f(float x) {
  const float z = x < 0.f ? -x : x;
  const float pos = x > 0.f ? x : 0.f;
  const float y = pos + log1p_f(exp_f(-z));
  return x != x ? x : y;
}

// Each loop is compiled twice, for baseline x86-64 (SSE2) and for x86-64-v3 CPUs (AVX2 + FMA,
// twice the lanes), and the loader picks one per CPU (GCC's target_clones, an ifunc): no -march flag.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ROULETTE_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ROULETTE_CLONES
#endif

#define ROULETTE_UNARY_LOOP(name, f) \
  ROULETTE_CLONES void name(const float* x, float* y, int64_t n) { \
    for (int64_t i = 0; i < n; i++) y[i] = f(x[i]); \
  }

ROULETTE_UNARY_LOOP(exp_loop, exp_f)
ROULETTE_UNARY_LOOP(log_loop, log_f)
ROULETTE_UNARY_LOOP(log1p_loop, log1p_f)
ROULETTE_UNARY_LOOP(tanh_loop, tanh_f)
ROULETTE_UNARY_LOOP(sigmoid_loop, sigmoid_f)
ROULETTE_UNARY_LOOP(softplus_loop, softplus_f)

}  // namespace

void unary(Unary op, const float* x, float* y, int64_t n) {
  switch (op) {
    case Unary::kExp:
      return exp_loop(x, y, n);
    case Unary::kLog:
      return log_loop(x, y, n);
    case Unary::kLog1p:
      return log1p_loop(x, y, n);
    case Unary::kTanh:
      return tanh_loop(x, y, n);
    case Unary::kSigmoid:
      return sigmoid_loop(x, y, n);
    case Unary::kSoftplus:
      return softplus_loop(x, y, n);
  }
}

}  // namespace roulette
