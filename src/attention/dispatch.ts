/**
 * Which implementation runs a validated attention problem (DESIGN.md, "Dispatch").
 *
 * cpu tensors run the CPU implementation. cuda tensors run 'sm90' (Hopper kernels) when it is
 * registered, the device is compute capability 9.x and it takes the problem; otherwise 'sm80'
 * (portable kernels) when registered, the device is cc >= 8.0 and it takes the problem; otherwise
 * the call fails with every backend's reason. FLASH_ATTN_BACKEND=cpu|sm80|sm90 forces a backend:
 * forcing cpu for cuda tensors copies the inputs to the host, runs there and copies the results
 * back (for comparisons, not speed); forcing a backend that cannot take the problem is an error
 * saying why. The variable is read at the first dispatch, not at every call (reading process.env
 * costs ~0.2 µs); reloadBackendEnv() reads it again after a change at run time.
 *
 * GPU backends register themselves with registerBackend() when their kernels load.
 *
 * Whatever dispatch decides for a problem stays right until the registry or the forced backend
 * changes: those changes bump `dispatchEpoch`, which the plan cache of repeated calls (plan.ts) checks.
 */
import { Tensor } from '../tensor/tensor.js';
import * as cuda from '../cuda/index.js';
import { attentionForwardCpu } from './cpu.js';
import type { AttentionProblem } from './problem.js';

export type BackendName = 'cpu' | 'sm80' | 'sm90';
export const BACKEND_NAMES: readonly BackendName[] = ['cpu', 'sm80', 'sm90'];
/** Environment variable that forces a backend. */
export const BACKEND_ENV = 'FLASH_ATTN_BACKEND';

export interface AttentionBackend {
  readonly name: BackendName;
  /** undefined when the backend can run `p`, else the reason it cannot (one short sentence). */
  supports(p: AttentionProblem): string | undefined;
  /** Writes p.out and, when present, p.lse (enqueued on p.stream for device backends). */
  forward(p: AttentionProblem): void;
  /**
   * Optional: does once what forward(p) does before its launch (kernel choice, argument packing)
   * and returns the launch, which repeated calls reuse (plan.ts). The launch must hold no tensor
   * of `p`: a cached plan would keep it alive. Backends without prepare are not planned.
   */
  prepare?(p: AttentionProblem): PreparedForward;
}

/**
 * The forward of one problem, ready to run: writes `out` and, when the problem has one, `lse`.
 * Each call's out and lse have the dims, strides, dtype and device of the problem's p.out and p.lse
 * (the same caller's tensor, or a fresh contiguous one); only their addresses may differ.
 */
export type PreparedForward = (out: Tensor, lse: Tensor | undefined) => void;

/** Raised when no backend can run a problem, or a forced backend cannot. */
export class AttentionDispatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttentionDispatchError';
  }
}

export const cpuBackend: AttentionBackend = {
  name: 'cpu',
  supports(p) {
    return p.q.location === 'cpu' ? undefined : `inputs are on cuda:${p.q.device}; the cpu backend reads host tensors`;
  },
  forward: attentionForwardCpu,
};

const registry = new Map<BackendName, AttentionBackend>([['cpu', cpuBackend]]);

/** Bumped by every change that can alter a dispatch decision: the registry, the forced backend. */
export let dispatchEpoch = 0;

/** Adds or replaces the backend of that name. */
export function registerBackend(b: AttentionBackend): void {
  if (!BACKEND_NAMES.includes(b.name)) {
    throw new TypeError(`registerBackend: backend name must be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(b.name)}`);
  }
  registry.set(b.name, b);
  dispatchEpoch++;
}

/** Removes a backend (tests; 'cpu' cannot be removed). */
export function unregisterBackend(name: BackendName): void {
  if (name !== 'cpu') registry.delete(name);
  dispatchEpoch++;
}

export function getBackend(name: BackendName): AttentionBackend | undefined {
  return registry.get(name);
}

/** FLASH_ATTN_BACKEND as last read: the backend it forces, or the error its value deserves. */
let forced: { name: BackendName | undefined; error: string | undefined } | undefined;

function readBackendEnv(): { name: BackendName | undefined; error: string | undefined } {
  const raw = process.env[BACKEND_ENV];
  if (raw === undefined || raw === '') return { name: undefined, error: undefined };
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    return { name: undefined, error: `${BACKEND_ENV} must be one of ${BACKEND_NAMES.join(', ')} (or unset), got ${JSON.stringify(raw)}` };
  }
  return { name: raw as BackendName, error: undefined };
}

/**
 * Reads FLASH_ATTN_BACKEND again. It is read once, at the first dispatch; call this after
 * changing process.env[BACKEND_ENV] at run time (tests, `flash-attn bench --backend`).
 */
export function reloadBackendEnv(): void {
  forced = readBackendEnv();
  dispatchEpoch++;
}

/** The backend FLASH_ATTN_BACKEND forces, or undefined when unset or empty. */
export function forcedBackendName(): BackendName | undefined {
  const f = forced ?? (forced = readBackendEnv());
  if (f.error !== undefined) throw new AttentionDispatchError(f.error);
  return f.name;
}

/** Why GPU backend `name` cannot take `p` on its device, or undefined when it can. */
function gpuReason(name: 'sm80' | 'sm90', p: AttentionProblem): string | undefined {
  const b = registry.get(name);
  if (!b) return 'not registered (its kernels are not built or not loaded)';
  if (p.q.location !== 'cuda') return 'inputs are on the cpu';
  const [major, minor] = cuda.getDeviceProperties(p.q.device).computeCapability;
  if (name === 'sm90' && major !== 9) return `needs compute capability 9.x, device cuda:${p.q.device} is ${major}.${minor}`;
  if (name === 'sm80' && major < 8) return `needs compute capability >= 8.0, device cuda:${p.q.device} is ${major}.${minor}`;
  return b.supports(p);
}

export interface DispatchExplanation {
  /** The backend that would run, or undefined when none can. */
  backend: BackendName | undefined;
  /** Why each backend tried before it (or all of them) was passed over, as 'name: reason'. */
  reasons: string[];
}

/** Which backend would run `p` and why the others would not (for `flash-attn info`). */
export function explainDispatch(p: AttentionProblem): DispatchExplanation {
  const reasons: string[] = [];
  const forced = forcedBackendName();
  if (forced) {
    if (forced === 'cpu') return { backend: 'cpu', reasons: [`${BACKEND_ENV}=cpu forces the cpu backend`] };
    const why = gpuReason(forced, p);
    if (why) return { backend: undefined, reasons: [`${forced}: ${why} (forced by ${BACKEND_ENV}=${forced})`] };
    return { backend: forced, reasons: [`${BACKEND_ENV}=${forced} forces the ${forced} backend`] };
  }
  if (p.q.location === 'cpu') return { backend: 'cpu', reasons };
  for (const name of GPU_ORDER) {
    const why = gpuReason(name, p);
    if (!why) return { backend: name, reasons };
    reasons.push(`${name}: ${why}`);
  }
  return { backend: undefined, reasons };
}

/** The GPU backends dispatch tries, in order, when none is forced. */
const GPU_ORDER = ['sm90', 'sm80'] as const;

/** The backend that runs `p`; throws an AttentionDispatchError naming every reason when none can. */
export function selectBackend(p: AttentionProblem): AttentionBackend {
  // explainDispatch's choice for the usual call (nothing forced, device tensors, a GPU backend
  // takes them) without its list of reasons and result object; anything else asks it.
  if (p.q.location === 'cuda' && forcedBackendName() === undefined) {
    for (const name of GPU_ORDER) if (gpuReason(name, p) === undefined) return registry.get(name)!;
  }
  const { backend, reasons } = explainDispatch(p);
  if (backend === undefined) {
    const forced = forcedBackendName();
    const what = forced ? `the backend forced by ${BACKEND_ENV}=${forced} cannot run it` : 'no GPU kernel takes it';
    throw new AttentionDispatchError(
      `${p.fn}: ${what} (${describeProblem(p)}): ${reasons.join('; ')}`,
    );
  }
  if (backend === 'cpu' && p.q.location === 'cuda') return hostRoundTripBackend;
  return registry.get(backend)!;
}

/** A one-line summary of a problem's shape for messages and `flash-attn info`. */
export function describeProblem(p: AttentionProblem): string {
  const where = p.q.location === 'cpu' ? 'cpu' : `cuda:${p.q.device}`;
  const shape = p.varlen
    ? `varlen batch ${p.batch}, totalQ ${p.seqlenQ}, totalK ${p.seqlenK}`
    : `batch ${p.batch}, seqlenQ ${p.seqlenQ}, seqlenK ${p.seqlenK}`;
  const { causal, windowLeft, windowRight, softcap } = p.params;
  const mask = causal ? ', causal' : windowLeft >= 0 || windowRight >= 0 ? `, window [${windowLeft}, ${windowRight}]` : '';
  return `${p.q.dtype} on ${where}, ${shape}, heads ${p.heads}/${p.headsKV}, headDim ${p.headDim}/${p.headDimV}${mask}${softcap > 0 ? `, softcap ${softcap}` : ''}`;
}

/**
 * FLASH_ATTN_BACKEND=cpu with cuda tensors: copy inputs to the host, run the CPU path, copy the
 * results into the caller's device tensors. Slow by design; it exists for comparisons.
 */
const hostRoundTripBackend: AttentionBackend = {
  name: 'cpu',
  supports: () => undefined,
  forward(p) {
    checkContiguousDevice(p.fn, 'out', p.out);
    if (p.lse) checkContiguousDevice(p.fn, 'lse', p.lse);
    const hostOut = Tensor.empty(p.out.dims, { dtype: p.out.dtype });
    const hostLse = p.lse ? Tensor.empty(p.lse.dims, { dtype: 'float32' }) : undefined;
    const q = p.q.toHost(p.stream);
    // Packed views share a storage; copying each view is fine here (only the GPU path must not copy).
    const k = p.k.toHost(p.stream);
    const v = p.v.toHost(p.stream);
    attentionForwardCpu({ ...p, q, k, v, out: hostOut, lse: hostLse });
    copyIntoDevice(hostOut, p.out, p.stream);
    if (hostLse && p.lse) copyIntoDevice(hostLse, p.lse, p.stream);
    for (const t of [q, k, v, hostOut, hostLse]) t?.dispose();
  },
};

function checkContiguousDevice(fn: string, name: string, dst: Tensor): void {
  if (!dst.isContiguous()) {
    throw new AttentionDispatchError(
      `${fn}: ${BACKEND_ENV}=cpu with cuda tensors needs a contiguous ${name}, got strides [${dst.strides.join(', ')}]`,
    );
  }
}

function copyIntoDevice(host: Tensor, dst: Tensor, stream: cuda.Stream | undefined): void {
  if (dst.numel > 0) cuda.copyHostToDevice(dst.devicePointer(), host.data, stream);
}
