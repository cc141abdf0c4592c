/**
 * The native fast path: tfjs kernels (MatMul family, transcendental unary ops, broadcasting binary
 * ops and Select, Sum, Tile, Identity)
 * backed by a C++ addon, registered onto the wasm or cpu backend in place of the stock ones.
 * Node-only; backend.ts imports this module dynamically.
 */
export { loadNativeAddon, type NativeAddon, type AddonLoad, type ElementArray, type GemmKernel } from './addon.js';
export { installNativeKernels, restoreStockKernels, hasNativeKernels, NATIVE_CAPABLE, NATIVE_KERNEL_NAMES, type NativeCapableBackend } from './install.js';
export { batchOffsets, planMatMul } from './matmul.js';
export { reductionBlock } from './sum.js';
export { broadcastStrides } from './binary.js';
