{
  # The optional native kernels (src/runtime/fast). Built at install by native/install.mjs, which
  # tolerates failure: without a compiler roulette runs on tfjs's stock kernels.
  "targets": [
    {
      "target_name": "roulette_fast",
      "sources": ["native/addon.cc", "native/gemm.cc", "native/thread_pool.cc", "native/tile.cc", "native/unary.cc", "native/reduce.cc", "native/binary.cc", "native/optim.cc"],
      # No -march: the build must run on any CPU of its architecture. The AVX-512 and AVX2/FMA GEMM
      # micro-kernels are compiled through function attributes and chosen at run time (native/microkernels.h).
      # -fno-trapping-math lets the branch-free elementwise loops (native/unary.cc) vectorise; nothing
      # here reads floating-point exception flags.
      "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fno-math-errno", "-fno-trapping-math"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++1y", "-std=gnu++17"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } }
    }
  ]
}
