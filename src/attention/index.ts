/**
 * Attention: the public forward API, its types, errors and the backend registry that GPU kernels
 * plug into. The float64 reference lives in ./reference.js (a test oracle, not re-exported here).
 */
export {
  flashAttnFunc,
  flashAttnKvpackedFunc,
  flashAttnQkvpackedFunc,
  flashAttnVarlenFunc,
  type WithLse,
  type WithoutLse,
} from './api.js';
export type { AttentionOptions, AttentionResult, ResolvedAttention, VarlenOptions } from './types.js';
export { type AttentionProblem, type VarlenProblem, lseDimsOf, outDimsOf } from './problem.js';
export {
  ATTENTION_DTYPES,
  AttentionArgumentError,
  HEAD_DIM_MULTIPLE,
  MAX_HEAD_DIM,
  resolveOptions,
  validateDense,
  validateVarlen,
} from './validate.js';
export {
  type AttentionBackend,
  AttentionDispatchError,
  BACKEND_ENV,
  BACKEND_NAMES,
  type BackendName,
  type DispatchExplanation,
  type PreparedForward,
  cpuBackend,
  describeProblem,
  explainDispatch,
  getBackend,
  registerBackend,
  reloadBackendEnv,
  selectBackend,
  unregisterBackend,
} from './dispatch.js';
export { CPU_TILE_M, CPU_TILE_N, type CpuAttentionStats, attentionForwardCpu, cpuAttentionStats } from './cpu.js';
// Registers the Hopper backend (sm90) with dispatch when its kernels were built.
import './sm90.js';
// Registers the portable backend (sm80) with dispatch when its kernels were built.
import './sm80.js';
