export { FUSED_MAX_ROW_ELEMENTS, fused, fusedKernel, rowElements, useFusedKernels, type FusedKernel } from './kernel.js';
export { fusedNormalDraw, fusedNormalLogDensity } from './normal.js';
export { fusedSiteSum } from './site-sum.js';
