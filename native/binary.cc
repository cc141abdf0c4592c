#include "binary.h"

#include <cstddef>
#include <vector>

namespace roulette {
namespace {

struct Layout {
  std::vector<int64_t> shape, sa, sb;
};

// Merges neighbouring dims that both operands walk contiguously (or both broadcast), so most calls end
// up as one or two dims with a long, fixed-stride inner loop.
Layout collapse(int rank, const int64_t* shape, const int64_t* sa, const int64_t* sb) {
  Layout l;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;  // a size-1 dim moves nothing
    if (!l.shape.empty()) {
      const size_t last = l.shape.size() - 1;
      const bool a_ok = l.sa[last] == sa[d] * shape[d];
      const bool b_ok = l.sb[last] == sb[d] * shape[d];
      if (a_ok && b_ok) {
        l.shape[last] *= shape[d];
        l.sa[last] = sa[d];
        l.sb[last] = sb[d];
        continue;
      }
    }
    l.shape.push_back(shape[d]);
    l.sa.push_back(sa[d]);
    l.sb.push_back(sb[d]);
  }
  if (l.shape.empty()) {
    l.shape.push_back(1);
    l.sa.push_back(0);
    l.sb.push_back(0);
  }
  return l;
}

template <typename In, typename Out, typename F>
void inner(const In* a, const In* b, Out* out, int64_t n, int64_t sa, int64_t sb, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const In x = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = f(x, b[i]);
  } else if (sa == 1 && sb == 0) {
    const In y = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], y);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i * sa], b[i * sb]);
  }
}

template <typename In, typename Out, typename F>
void run(const void* a_ptr, const void* b_ptr, void* out_ptr, int rank, const int64_t* shape, const int64_t* sa,
         const int64_t* sb, F f) {
  const Layout l = collapse(rank, shape, sa, sb);
  const In* a = static_cast<const In*>(a_ptr);
  const In* b = static_cast<const In*>(b_ptr);
  Out* out = static_cast<Out*>(out_ptr);
  const int dims = static_cast<int>(l.shape.size());
  const int64_t n = l.shape[dims - 1];
  int64_t outer = 1;
  for (int d = 0; d < dims - 1; d++) outer *= l.shape[d];
  std::vector<int64_t> index(static_cast<size_t>(dims), 0);
  int64_t ao = 0, bo = 0;
  for (int64_t o = 0; o < outer; o++) {
    inner<In, Out>(a + ao, b + bo, out + o * n, n, l.sa[dims - 1], l.sb[dims - 1], f);
    // Odometer over the outer dims, keeping the operands' offsets in step.
    for (int d = dims - 2; d >= 0; d--) {
      index[d]++;
      ao += l.sa[d];
      bo += l.sb[d];
      if (index[d] < l.shape[d]) break;
      ao -= l.sa[d] * l.shape[d];
      bo -= l.sb[d] * l.shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace

bool binary_is_known(int32_t op) {
  return (op >= 0 && op <= 3) || (op >= 10 && op <= 15) || op == 20 || op == 21;
}

void binary(Binary op, const void* a, const void* b, void* out, int rank, const int64_t* shape, const int64_t* sa,
            const int64_t* sb) {
  using u8 = uint8_t;
  switch (op) {
    case Binary::kAdd:
      return run<float, float>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return x + y; });
    case Binary::kSub:
      return run<float, float>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return x - y; });
    case Binary::kMul:
      return run<float, float>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return x * y; });
    case Binary::kDiv:
      return run<float, float>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return x / y; });
    case Binary::kEqual:
      return run<float, u8>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return static_cast<u8>(x == y); });
    case Binary::kNotEqual:
      return run<float, u8>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return static_cast<u8>(x != y); });
    case Binary::kLess:
      return run<float, u8>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return static_cast<u8>(x < y); });
    case Binary::kLessEqual:
      return run<float, u8>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return static_cast<u8>(x <= y); });
    case Binary::kGreater:
      return run<float, u8>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return static_cast<u8>(x > y); });
    case Binary::kGreaterEqual:
      return run<float, u8>(a, b, out, rank, shape, sa, sb, [](float x, float y) { return static_cast<u8>(x >= y); });
    case Binary::kLogicalAnd:
      return run<u8, u8>(a, b, out, rank, shape, sa, sb, [](u8 x, u8 y) { return static_cast<u8>((x != 0) & (y != 0)); });
    case Binary::kLogicalOr:
      return run<u8, u8>(a, b, out, rank, shape, sa, sb, [](u8 x, u8 y) { return static_cast<u8>((x != 0) | (y != 0)); });
  }
}

void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = cond[i] != 0 ? a[i] : b[i];
}

}  // namespace roulette
