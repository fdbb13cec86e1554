// Every kernel module the build makes, and every parameter struct whose offsets it emits.
// target 'portable': sm_80 machine code + compute_80 PTX in one fatbin (newer GPUs JIT the PTX).
// target 'sm90a': Hopper machine code only (wgmma, setmaxnreg need the 'a' target).
export const modules = [
  { name: 'test_kernels', sources: ['kernels/test/test_kernels.cu'], target: 'portable' },
  { name: 'tma_copy_sm90', sources: ['kernels/test/tma_copy_sm90.cu'], target: 'sm90a' },
  // Hopper forward: the kernels listed in kernels/sm90/attn_fwd_sm90_instances.h (one table).
  { name: 'attn_fwd_sm90', sources: ['kernels/attn_fwd_sm90.cu'], target: 'sm90a' },
  // Portable forward (sm_80 SASS + PTX): the kernels listed in kernels/sm80/attn_fwd_sm80_configs.h.
  { name: 'attn_fwd_sm80', sources: ['kernels/attn_fwd_sm80.cu'], target: 'portable' },
  { name: 'nn_ops', sources: ['kernels/nn/nn_ops.cu'], target: 'portable' },
];

export const paramStructs = [
  { header: 'kernels/test/test_params.h', struct: 'IotaParams' },
  { header: 'kernels/test/test_params.h', struct: 'TmaCopyParams' },
  { header: 'kernels/sm90/attn_fwd_sm90_params.h', struct: 'AttnFwdSm90Params' },
  { header: 'kernels/attn_fwd_params.h', struct: 'AttnFwdParams' },
  { header: 'kernels/nn/nn_params.h', struct: 'EmbeddingParams' },
  { header: 'kernels/nn/nn_params.h', struct: 'NormParams' },
  { header: 'kernels/nn/nn_params.h', struct: 'ElementwiseParams' },
  { header: 'kernels/nn/nn_params.h', struct: 'UniformInitParams' },
];
