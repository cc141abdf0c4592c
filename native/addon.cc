// Node-API bindings of the fast kernels. Plain C Node-API (node_api.h ships with Node's headers), so
// the addon needs no npm dependency and one build serves every Node version with ABI-stable Node-API.
//
// Every function takes typed arrays that view tensor memory (the wasm heap for the wasm backend, the
// tensors' own arrays for the cpu backend) and writes its result in place. Each checks that what it
// will touch lies inside the arrays it was given, so a shape bug in JS raises an error instead of
// corrupting the heap.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "binary.h"
#include "gemm.h"
#include "optim.h"
#include "reduce.h"
#include "thread_pool.h"
#include "tile.h"
#include "unary.h"

namespace {

using roulette::Activation;
using roulette::Epilogue;
using roulette::GemmBatch;
using roulette::GemmShape;

struct Failure {
  std::string message;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw Failure{std::string("roulette native: ") + what};
}

struct Typed {
  void* data = nullptr;
  size_t length = 0;  // elements
  napi_typedarray_type type = napi_float32_array;
  bool present = false;
};

Typed typed(napi_env env, napi_value value, const char* name, bool optional = false) {
  napi_valuetype kind;
  check(env, napi_typeof(env, value, &kind), name);
  Typed t;
  if (optional && (kind == napi_null || kind == napi_undefined)) return t;
  bool is_typed = false;
  check(env, napi_is_typedarray(env, value, &is_typed), name);
  if (!is_typed) throw Failure{std::string("roulette native: ") + name + " must be a typed array"};
  napi_value buffer;
  size_t offset;
  check(env, napi_get_typedarray_info(env, value, &t.type, &t.length, &t.data, &buffer, &offset), name);
  t.present = true;
  return t;
}

Typed float32(napi_env env, napi_value value, const char* name, bool optional = false) {
  Typed t = typed(env, value, name, optional);
  if (t.present && t.type != napi_float32_array) throw Failure{std::string("roulette native: ") + name + " must be a Float32Array"};
  return t;
}

Typed int32(napi_env env, napi_value value, const char* name, bool optional = false) {
  Typed t = typed(env, value, name, optional);
  if (t.present && t.type != napi_int32_array) throw Failure{std::string("roulette native: ") + name + " must be an Int32Array"};
  return t;
}

double number(napi_env env, napi_value value, const char* name) {
  double out;
  check(env, napi_get_value_double(env, value, &out), name);
  return out;
}

template <size_t N>
void arguments(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "arguments");
  if (argc < N) throw Failure{"roulette native: expected " + std::to_string(N) + " arguments"};
}

template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    return body();
  } catch (const Failure& f) {
    napi_throw_error(env, "ROULETTE_NATIVE", f.message.c_str());
    return nullptr;
  }
}

napi_value undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

// matmul(a, b, out, dims, aOffsets, bOffsets, bias, activation, alpha, prelu)
//   dims: Int32Array [m, n, k, transA, transB, batch, biasPerRow]
//   aOffsets / bOffsets: Int32Array of `batch` element offsets into a / b (broadcast batch dims)
//   bias: Float32Array of n (or m with biasPerRow) values, or null
//   prelu: Float32Array of n slopes for the PReLU activation, else null
napi_value matmul(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[10];
    arguments(env, info, argv);
    const Typed a = float32(env, argv[0], "a");
    const Typed b = float32(env, argv[1], "b");
    const Typed out = float32(env, argv[2], "out");
    const Typed dims = int32(env, argv[3], "dims");
    const Typed a_off = int32(env, argv[4], "aOffsets");
    const Typed b_off = int32(env, argv[5], "bOffsets");
    const Typed bias = float32(env, argv[6], "bias", true);
    const int activation = static_cast<int>(number(env, argv[7], "activation"));
    const float alpha = static_cast<float>(number(env, argv[8], "alpha"));
    const Typed prelu = float32(env, argv[9], "prelu", true);
    if (dims.length < 7) throw Failure{"roulette native: dims needs 7 entries"};
    const int32_t* d = static_cast<const int32_t*>(dims.data);
    const GemmShape shape{d[0], d[1], d[2], d[3] != 0, d[4] != 0};
    const int64_t batch = d[5];
    const bool bias_per_row = d[6] != 0;
    if (shape.m < 0 || shape.n < 0 || shape.k < 0 || batch < 0) throw Failure{"roulette native: negative matmul size"};
    if (activation < 0 || activation > static_cast<int>(Activation::kPrelu)) throw Failure{"roulette native: unknown activation"};
    if (a_off.length < static_cast<size_t>(batch) || b_off.length < static_cast<size_t>(batch)) {
      throw Failure{"roulette native: one offset per batch matrix expected"};
    }
    const size_t a_size = static_cast<size_t>(shape.m * shape.k);
    const size_t b_size = static_cast<size_t>(shape.k * shape.n);
    const size_t c_size = static_cast<size_t>(shape.m * shape.n);
    if (out.length < c_size * static_cast<size_t>(batch)) throw Failure{"roulette native: out is too small"};
    if (bias.present && bias.length < static_cast<size_t>(bias_per_row ? shape.m : shape.n)) {
      throw Failure{"roulette native: bias is too small"};
    }
    if (activation == static_cast<int>(Activation::kPrelu) && (!prelu.present || prelu.length < static_cast<size_t>(shape.n))) {
      throw Failure{"roulette native: prelu needs one slope per column"};
    }
    const int32_t* ao = static_cast<const int32_t*>(a_off.data);
    const int32_t* bo = static_cast<const int32_t*>(b_off.data);
    std::vector<GemmBatch> batches(static_cast<size_t>(batch));
    for (int64_t i = 0; i < batch; i++) {
      if (ao[i] < 0 || static_cast<size_t>(ao[i]) + a_size > a.length || bo[i] < 0 ||
          static_cast<size_t>(bo[i]) + b_size > b.length) {
        throw Failure{"roulette native: batch offset out of range"};
      }
      batches[static_cast<size_t>(i)] = GemmBatch{static_cast<const float*>(a.data) + ao[i],
                                                  static_cast<const float*>(b.data) + bo[i],
                                                  static_cast<float*>(out.data) + static_cast<size_t>(i) * c_size};
    }
    Epilogue epilogue;
    epilogue.bias = bias.present ? static_cast<const float*>(bias.data) : nullptr;
    epilogue.bias_per_row = bias_per_row;
    epilogue.activation = static_cast<Activation>(activation);
    epilogue.alpha = alpha;
    epilogue.prelu = prelu.present ? static_cast<const float*>(prelu.data) : nullptr;
    roulette::gemm_batched(shape, batches.data(), batch, epilogue);
    return undefined(env);
  });
}

size_t element_bytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

// tile(x, out, shape, reps): x and out of the same element type; shape and reps Int32Arrays.
napi_value tile(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[4];
    arguments(env, info, argv);
    const Typed x = typed(env, argv[0], "x");
    const Typed out = typed(env, argv[1], "out");
    const Typed shape = int32(env, argv[2], "shape");
    const Typed reps = int32(env, argv[3], "reps");
    if (x.type != out.type) throw Failure{"roulette native: tile x and out must have the same type"};
    if (shape.length != reps.length) throw Failure{"roulette native: tile shape and reps differ in rank"};
    const int rank = static_cast<int>(shape.length);
    std::vector<int64_t> s(shape.length), r(reps.length);
    size_t in_size = 1, out_size = 1;
    for (int i = 0; i < rank; i++) {
      s[i] = static_cast<const int32_t*>(shape.data)[i];
      r[i] = static_cast<const int32_t*>(reps.data)[i];
      if (s[i] < 0 || r[i] < 0) throw Failure{"roulette native: negative tile size"};
      in_size *= static_cast<size_t>(s[i]);
      out_size *= static_cast<size_t>(s[i] * r[i]);
    }
    if (x.length < in_size || out.length < out_size) throw Failure{"roulette native: tile arrays are too small"};
    if (out_size > 0) roulette::tile(x.data, out.data, element_bytes(x.type), s.data(), r.data(), rank);
    return undefined(env);
  });
}

// unary(op, x, out): out[i] = f(x[i]) for the function numbered `op` (native/unary.h).
napi_value unary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[3];
    arguments(env, info, argv);
    const int op = static_cast<int>(number(env, argv[0], "op"));
    const Typed x = float32(env, argv[1], "x");
    const Typed out = float32(env, argv[2], "out");
    if (op < 0 || op >= roulette::kUnaryCount) throw Failure{"roulette native: unknown unary op"};
    if (out.length < x.length) throw Failure{"roulette native: unary out is too small"};
    roulette::unary(static_cast<roulette::Unary>(op), static_cast<const float*>(x.data), static_cast<float*>(out.data),
                    static_cast<int64_t>(x.length));
    return undefined(env);
  });
}

// sum(x, out, outer, reduce, inner): out[o][i] = sum_r x[o][r][i].
napi_value sum(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[5];
    arguments(env, info, argv);
    const Typed x = float32(env, argv[0], "x");
    const Typed out = float32(env, argv[1], "out");
    const double outer = number(env, argv[2], "outer");
    const double reduce = number(env, argv[3], "reduce");
    const double inner = number(env, argv[4], "inner");
    if (outer < 0 || reduce < 0 || inner < 0) throw Failure{"roulette native: negative sum size"};
    if (static_cast<double>(x.length) < outer * reduce * inner || static_cast<double>(out.length) < outer * inner) {
      throw Failure{"roulette native: sum arrays are too small"};
    }
    roulette::reduce_sum(static_cast<const float*>(x.data), static_cast<float*>(out.data), static_cast<int64_t>(outer),
                         static_cast<int64_t>(reduce), static_cast<int64_t>(inner));
    return undefined(env);
  });
}

Typed uint8(napi_env env, napi_value value, const char* name) {
  Typed t = typed(env, value, name);
  if (t.type != napi_uint8_array) throw Failure{std::string("roulette native: ") + name + " must be a Uint8Array"};
  return t;
}

// binary(op, a, b, out, shape, aStrides, bStrides): op numbers as native/binary.h; strides in elements,
// 0 where an operand broadcasts.
napi_value binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[7];
    arguments(env, info, argv);
    const int op = static_cast<int>(number(env, argv[0], "op"));
    if (!roulette::binary_is_known(op)) throw Failure{"roulette native: unknown binary op"};
    const bool logical = op >= 20;
    const bool compare = op >= 10 && op < 20;
    const Typed a = logical ? uint8(env, argv[1], "a") : float32(env, argv[1], "a");
    const Typed b = logical ? uint8(env, argv[2], "b") : float32(env, argv[2], "b");
    const Typed out = logical || compare ? uint8(env, argv[3], "out") : float32(env, argv[3], "out");
    const Typed shape = int32(env, argv[4], "shape");
    const Typed sa = int32(env, argv[5], "aStrides");
    const Typed sb = int32(env, argv[6], "bStrides");
    const int rank = static_cast<int>(shape.length);
    if (sa.length != shape.length || sb.length != shape.length) throw Failure{"roulette native: binary strides and shape differ in rank"};
    std::vector<int64_t> s(shape.length), as(shape.length), bs(shape.length);
    size_t size = 1, a_last = 0, b_last = 0;
    for (int d = 0; d < rank; d++) {
      s[d] = static_cast<const int32_t*>(shape.data)[d];
      as[d] = static_cast<const int32_t*>(sa.data)[d];
      bs[d] = static_cast<const int32_t*>(sb.data)[d];
      if (s[d] <= 0 || as[d] < 0 || bs[d] < 0) throw Failure{"roulette native: binary needs positive sizes and strides >= 0"};
      size *= static_cast<size_t>(s[d]);
      a_last += static_cast<size_t>((s[d] - 1) * as[d]);
      b_last += static_cast<size_t>((s[d] - 1) * bs[d]);
    }
    if (a_last >= a.length || b_last >= b.length || out.length < size) throw Failure{"roulette native: binary arrays are too small"};
    roulette::binary(static_cast<roulette::Binary>(op), a.data, b.data, out.data, rank, s.data(), as.data(), bs.data());
    return undefined(env);
  });
}

// select(cond, a, b, out): out[i] = cond[i] ? a[i] : b[i], all the same length.
napi_value select(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[4];
    arguments(env, info, argv);
    const Typed cond = uint8(env, argv[0], "condition");
    const Typed a = float32(env, argv[1], "a");
    const Typed b = float32(env, argv[2], "b");
    const Typed out = float32(env, argv[3], "out");
    if (a.length < out.length || b.length < out.length || cond.length < out.length) throw Failure{"roulette native: select arrays are too small"};
    roulette::select(static_cast<const uint8_t*>(cond.data), static_cast<const float*>(a.data), static_cast<const float*>(b.data),
                     static_cast<float*>(out.data), static_cast<int64_t>(out.length));
    return undefined(env);
  });
}

// adam(p, g, m, v, vmax, constants): the fused Adam / AMSGrad update of one variable in place; constants
// is a Float64Array [keep1, take1, keep2, take2, step, root, eps] (native/optim.h); vmax null for Adam.
napi_value adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[6];
    arguments(env, info, argv);
    const Typed p = float32(env, argv[0], "p");
    const Typed g = float32(env, argv[1], "g");
    const Typed m = float32(env, argv[2], "m");
    const Typed v = float32(env, argv[3], "v");
    const Typed vmax = float32(env, argv[4], "vmax", true);
    const Typed c = typed(env, argv[5], "constants");
    if (c.type != napi_float64_array || c.length < 7) throw Failure{"roulette native: adam constants must be a Float64Array of 7"};
    if (g.length < p.length || m.length < p.length || v.length < p.length || (vmax.present && vmax.length < p.length)) {
      throw Failure{"roulette native: adam arrays are too small"};
    }
    const double* k = static_cast<const double*>(c.data);
    const roulette::AdamStep step{static_cast<float>(k[0]), static_cast<float>(k[1]), static_cast<float>(k[2]), static_cast<float>(k[3]),
                                  static_cast<float>(k[4]), static_cast<float>(k[5]), static_cast<float>(k[6])};
    roulette::adam(static_cast<float*>(p.data), static_cast<const float*>(g.data), static_cast<float*>(m.data), static_cast<float*>(v.data),
                   vmax.present ? static_cast<float*>(vmax.data) : nullptr, static_cast<int64_t>(p.length), step);
    return undefined(env);
  });
}

napi_value threads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, roulette::pool_size(), &out);
  return out;
}

napi_value set_threads(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[1];
    arguments(env, info, argv);
    roulette::set_pool_size(static_cast<int>(number(env, argv[0], "threads")));
    return undefined(env);
  });
}

napi_value kernel(napi_env env, napi_callback_info) {
  napi_value out;
  const char* name = roulette::gemm_kernel_name();
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
  return out;
}

// kernels(): the GEMM micro-kernels this CPU runs, fastest first.
napi_value kernels(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    const std::vector<const char*> names = roulette::gemm_kernels();
    napi_value out;
    check(env, napi_create_array_with_length(env, names.size(), &out), "kernels");
    for (size_t i = 0; i < names.size(); i++) {
      napi_value name;
      check(env, napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &name), "kernels");
      check(env, napi_set_element(env, out, static_cast<uint32_t>(i), name), "kernels");
    }
    return out;
  });
}

void force(const char* name) {
  if (roulette::gemm_force_kernel(name)) return;
  std::string available;
  for (const char* k : roulette::gemm_kernels()) available += std::string(available.empty() ? "" : ", ") + k;
  throw Failure{std::string("roulette native: no GEMM kernel '") + name + "' that this CPU runs (it runs " + available + ")"};
}

// forceKernel(name | null): run that micro-kernel from now on; null goes back to the fastest.
napi_value force_kernel(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[1];
    arguments(env, info, argv);
    napi_valuetype kind;
    check(env, napi_typeof(env, argv[0], &kind), "name");
    if (kind == napi_null || kind == napi_undefined) {
      force(nullptr);
      return undefined(env);
    }
    char name[32];
    size_t length = 0;
    check(env, napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &length), "name must be a string or null");
    force(name);
    return undefined(env);
  });
}

// forcePortable(on): forceKernel('portable') or forceKernel(null).
napi_value force_portable(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    napi_value argv[1];
    arguments(env, info, argv);
    bool on = false;
    check(env, napi_get_value_bool(env, argv[0], &on), "on");
    force(on ? "portable" : nullptr);
    return undefined(env);
  });
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor properties[] = {
      {"matmul", nullptr, matmul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unary", nullptr, unary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sum", nullptr, sum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binary", nullptr, binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"select", nullptr, select, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tile", nullptr, tile, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adam", nullptr, adam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"threads", nullptr, threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, set_threads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"kernel", nullptr, kernel, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"kernels", nullptr, kernels, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"forceKernel", nullptr, force_kernel, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"forcePortable", nullptr, force_portable, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
