export { FUSED_MAX_ELEMENTS, fused, fusedKernel, useFusedKernels, type FusedKernel } from './kernel.js';
export { fusedNormalDraw, fusedNormalLogDensity } from './normal.js';
export { fusedSiteSum } from './site-sum.js';
