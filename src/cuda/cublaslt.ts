/**
 * cuBLASLt through koffi: matrix products for src/nn's Linear layers on the GPU.
 *
 * libcublasLt.so.<major> is loaded lazily on the first matmul, so importing the library never
 * needs cuBLAS. It is searched for in FLASH_ATTN_LIBCUBLASLT (an exact path, nothing else is tried
 * then), CUDA_HOME / CUDA_PATH, /usr/local/cuda, LD_LIBRARY_PATH, the pip wheel layout PyTorch
 * installs (site-packages/nvidia/cublas/lib, nvidia/cu13/lib, nvidia/cu12/lib) and the system
 * loader's own search, newest major first among those the driver supports. When none loads, the
 * error names the library, every place tried and how to get it.
 *
 * Every call goes through `check()`, which throws a CublasError (a CudaError) carrying the call
 * name and cuBLAS's own status name and description. cuBLASLt runs in the device's primary context,
 * the one src/cuda makes current, and on the stream it is given.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CudaError } from './driver.js';
import { driverVersion, useDevice } from './device.js';
import { type DeviceBlock, allocate } from './memory.js';
import { type Stream, resolveStream } from './stream.js';

/** Environment variable naming the exact libcublasLt to load. */
export const CUBLASLT_ENV = 'FLASH_ATTN_LIBCUBLASLT';
/** cuBLAS majors this wrapper speaks (the API used here is the same in both). */
const CUBLAS_MAJORS = [13, 12] as const;
/** Hopper kernels of cuBLASLt want up to 32 MiB of workspace (NVIDIA's guidance for sm_90). */
export const CUBLASLT_WORKSPACE_BYTES = 32 << 20;

const CUBLAS_STATUS_SUCCESS = 0;
// cudaDataType_t (library_types.h).
const CUDA_R_32F = 0;
const CUDA_R_16F = 2;
const CUDA_R_16BF = 14;
// cublasComputeType_t: plain float32 accumulation (no TF32 for float32 inputs: the model's float32
// path is checked against float64 at float32's tolerance).
const CUBLAS_COMPUTE_32F = 68;
// cublasOperation_t.
const CUBLAS_OP_N = 0;
const CUBLAS_OP_T = 1;
// cublasLtMatmulDescAttributes_t.
const DESC_TRANSA = 3;
const DESC_TRANSB = 4;
const DESC_EPILOGUE = 7;
const DESC_BIAS_POINTER = 8;
// cublasLtEpilogue_t.
const EPILOGUE_DEFAULT = 1;
const EPILOGUE_BIAS = 4;
// cublasLtMatmulPreferenceAttributes_t.
const PREF_MAX_WORKSPACE_BYTES = 1;
/** sizeof(cublasLtMatmulHeuristicResult_t): algo (8 x uint64), workspaceSize, state, wavesCount, int[4]. */
const HEURISTIC_RESULT_BYTES = 96;
const ALGO_BYTES = 64;
const HEURISTIC_WORKSPACE_OFFSET = 64;

/** Element types a matmul takes (inputs, output and bias share one). */
export type MatmulDType = 'float32' | 'float16' | 'bfloat16';
const DATA_TYPE: Record<MatmulDType, number> = { float32: CUDA_R_32F, float16: CUDA_R_16F, bfloat16: CUDA_R_16BF };

/** A failed cuBLASLt call: `call` is the function, `codeName` cuBLAS's status name. */
export class CublasError extends CudaError {
  constructor(call: string, code: number, codeName: string, description: string, detail?: string) {
    super(call, code, codeName, description, detail);
    this.name = 'CublasError';
  }
}

/** libcublasLt could not be loaded: the message names the library, where it looked and how to get it. */
export class CublasLtUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CublasLtUnavailableError';
  }
}

const SIGNATURES = {
  cublasLtCreate: 'int cublasLtCreate(_Out_ void **handle)',
  cublasLtGetVersion: 'size_t cublasLtGetVersion()',
  cublasLtGetStatusName: 'const char *cublasLtGetStatusName(int status)',
  cublasLtGetStatusString: 'const char *cublasLtGetStatusString(int status)',
  cublasLtMatmulDescCreate: 'int cublasLtMatmulDescCreate(_Out_ void **desc, int computeType, int scaleType)',
  cublasLtMatmulDescDestroy: 'int cublasLtMatmulDescDestroy(void *desc)',
  cublasLtMatmulDescSetAttribute: 'int cublasLtMatmulDescSetAttribute(void *desc, int attr, const void *buf, size_t bytes)',
  cublasLtMatrixLayoutCreate: 'int cublasLtMatrixLayoutCreate(_Out_ void **layout, int type, uint64_t rows, uint64_t cols, int64_t ld)',
  cublasLtMatrixLayoutDestroy: 'int cublasLtMatrixLayoutDestroy(void *layout)',
  cublasLtMatmulPreferenceCreate: 'int cublasLtMatmulPreferenceCreate(_Out_ void **pref)',
  cublasLtMatmulPreferenceDestroy: 'int cublasLtMatmulPreferenceDestroy(void *pref)',
  cublasLtMatmulPreferenceSetAttribute:
    'int cublasLtMatmulPreferenceSetAttribute(void *pref, int attr, const void *buf, size_t bytes)',
  cublasLtMatmulAlgoGetHeuristic:
    'int cublasLtMatmulAlgoGetHeuristic(void *handle, void *desc, void *a, void *b, void *c, void *d, void *pref, int requested, void *results, _Out_ int *count)',
  cublasLtMatmul:
    'int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t a, void *aDesc, uint64_t b, void *bDesc, const void *beta, uint64_t c, void *cDesc, uint64_t d, void *dDesc, const void *algo, uint64_t workspace, size_t workspaceBytes, void *stream)',
} as const;

type LtFn = ((...args: unknown[]) => unknown) & { info: unknown };
type Lt = { readonly [K in keyof typeof SIGNATURES]: LtFn };

interface Loaded {
  lt?: Lt;
  path?: string;
  version?: number;
  error?: string;
}
let loaded: Loaded | undefined;

/** Directories where a libcublasLt may live, in the order they are tried. */
export function cublasLtSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  for (const v of [env.CUDA_HOME, env.CUDA_PATH]) if (v) dirs.push(join(v, 'lib64'), join(v, 'lib'));
  dirs.push('/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib');
  for (const d of (env.LD_LIBRARY_PATH ?? '').split(':')) if (d) dirs.push(d);
  // pip wheels (nvidia-cublas-cu12 puts the library in nvidia/cublas/lib; the CUDA 13 wheels in
  // nvidia/cu13/lib) inside virtual environments, conda and the system's Python prefixes.
  const prefixes = [env.VIRTUAL_ENV, env.CONDA_PREFIX, '/usr', '/usr/local', join(homedir(), '.local'), '/opt/conda'];
  for (const opt of safeList('/opt')) prefixes.push(join('/opt', opt), join('/opt', opt, '.venv'), join('/opt', opt, 'venv'));
  for (const prefix of prefixes) {
    if (!prefix) continue;
    for (const py of safeList(join(prefix, 'lib')).filter((n) => n.startsWith('python3'))) {
      for (const sp of ['site-packages', 'dist-packages']) {
        const nv = join(prefix, 'lib', py, sp, 'nvidia');
        if (!existsSync(nv)) continue;
        dirs.push(join(nv, 'cu13', 'lib'), join(nv, 'cublas', 'lib'), join(nv, 'cu12', 'lib'));
      }
    }
  }
  return [...new Set(dirs)];
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Majors to try: those the driver supports, newest first (all of them when no driver answers). */
function majorsToTry(): number[] {
  let driverMajor = Infinity;
  try {
    driverMajor = Math.floor(driverVersion() / 1000);
  } catch {
    // no driver: the load will still be attempted; the first matmul fails on the device anyway
  }
  const ok = CUBLAS_MAJORS.filter((m) => m <= driverMajor);
  return ok.length > 0 ? ok : [...CUBLAS_MAJORS];
}

const HOW_TO_GET =
  'install the CUDA toolkit (its lib64 holds libcublasLt), or the pip wheel (pip install nvidia-cublas-cu12, ' +
  `or nvidia-cublas for CUDA 13), or point ${CUBLASLT_ENV} at the library file`;

/** Loads libcublasLt once; never throws (the reason is kept for cublasLtUnavailableReason()). */
export function loadCublasLt(env: NodeJS.ProcessEnv = process.env): Loaded {
  if (loaded) return loaded;
  const tried: string[] = [];
  const attempt = (path: string): LibraryHandle | undefined => {
    try {
      return koffi.load(path);
    } catch (e) {
      tried.push(`${path} (${(e as Error).message.split('\n')[0]})`);
      return undefined;
    }
  };
  let lib: LibraryHandle | undefined;
  let path = '';
  const forced = env[CUBLASLT_ENV];
  if (forced) {
    path = forced;
    lib = attempt(forced);
    if (!lib) {
      return (loaded = { error: `cuBLASLt: cannot load ${forced} named by ${CUBLASLT_ENV}: ${tried.join('; ')}. To get cuBLASLt, ${HOW_TO_GET}` });
    }
  } else {
    const dirs = cublasLtSearchDirs(env);
    search: for (const major of majorsToTry()) {
      const name = `libcublasLt.so.${major}`;
      for (const d of dirs) {
        const p = join(d, name);
        if (!existsSync(p)) continue;
        lib = attempt(p);
        if (lib) {
          path = p;
          break search;
        }
      }
      lib = attempt(name); // the system loader's own search (ldconfig cache, rpath)
      if (lib) {
        path = name;
        break;
      }
    }
    if (!lib) {
      const names = majorsToTry().map((m) => `libcublasLt.so.${m}`).join(' or ');
      return (loaded = {
        error:
          `cuBLASLt is needed for Linear layers on the GPU, but ${names} was not found ` +
          `(looked in ${dirs.length} directories: ${dirs.slice(0, 6).join(', ')}${dirs.length > 6 ? ', ...' : ''}; and the system loader path). ` +
          `To get it, ${HOW_TO_GET}`,
      });
    }
  }
  const fns: Record<string, LtFn> = {};
  try {
    for (const [name, sig] of Object.entries(SIGNATURES)) fns[name] = lib!.func(sig) as unknown as LtFn;
  } catch (e) {
    return (loaded = { error: `cuBLASLt: ${path} lacks a needed function (too old? cuBLAS 12 or newer is needed): ${(e as Error).message}` });
  }
  const lt = fns as unknown as Lt;
  return (loaded = { lt, path, version: Number(lt.cublasLtGetVersion()) });
}

/** Why cuBLASLt cannot be used (undefined when it can be loaded). Never throws. */
export function cublasLtUnavailableReason(): string | undefined {
  return loadCublasLt().error;
}

/** The loaded library's path and version (e.g. 130100 for 13.1.0); throws when it cannot load. */
export function cublasLtInfo(): { path: string; version: number } {
  lt();
  return { path: loaded!.path!, version: loaded!.version! };
}

function lt(): Lt {
  const l = loadCublasLt();
  if (!l.lt) throw new CublasLtUnavailableError(l.error ?? 'cuBLASLt: unknown reason');
  return l.lt;
}

/** Throws a CublasError naming `call` unless `status` is CUBLAS_STATUS_SUCCESS. */
export function check(call: string, status: number, detail?: string): void {
  if (status === CUBLAS_STATUS_SUCCESS) return;
  let name = `cublasStatus_t ${status}`;
  let text = 'unknown error';
  try {
    name = (lt().cublasLtGetStatusName(status) as string | null) ?? name;
    text = (lt().cublasLtGetStatusString(status) as string | null) ?? text;
  } catch {
    // the status itself is what matters
  }
  throw new CublasError(call, status, name, text, detail);
}

// ---- handles, plans and workspaces ------------------------------------------------------------

const handles = new Map<number, bigint>();

function handleFor(device: number): bigint {
  let h = handles.get(device);
  if (h === undefined) {
    useDevice(device);
    const out: [bigint | null] = [null];
    check('cublasLtCreate', lt().cublasLtCreate(out) as number, `device ${device}`);
    h = out[0]!;
    handles.set(device, h);
  }
  return h;
}

/** One workspace per (device, stream): two streams must never share scratch memory. */
const workspaces = new Map<string, DeviceBlock>();

function workspaceFor(device: number, stream: Stream): DeviceBlock {
  const key = `${device}:${stream.handle}`;
  let w = workspaces.get(key);
  if (!w) {
    w = allocate(CUBLASLT_WORKSPACE_BYTES, device, stream);
    workspaces.set(key, w);
  }
  return w;
}

/** Descriptors and the chosen algorithm of one problem shape, reused by every call of that shape. */
interface Plan {
  desc: bigint;
  layouts: [bigint, bigint, bigint];
  algo: Uint8Array;
  workspaceBytes: number;
  epilogue: number;
}
const plans = new Map<string, Plan>();
/** Distinct shapes kept; beyond it the oldest plan is destroyed (a model has a handful of shapes). */
const MAX_PLANS = 256;

function int32(v: number): Int32Array {
  return Int32Array.of(v);
}

function createPlan(device: number, dtype: MatmulDType, m: number, n: number, k: number, transA: boolean, transB: boolean, bias: boolean): Plan {
  const L = lt();
  const type = DATA_TYPE[dtype];
  const out: [bigint | null] = [null];
  check('cublasLtMatmulDescCreate', L.cublasLtMatmulDescCreate(out, CUBLAS_COMPUTE_32F, CUDA_R_32F) as number);
  const desc = out[0]!;
  // Row-major out[m, n] is column-major out^T[n, m] = op(B)^T op(A)^T: cuBLAS's "A" is our B.
  const opA = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const opB = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const epilogue = bias ? EPILOGUE_BIAS : EPILOGUE_DEFAULT;
  check('cublasLtMatmulDescSetAttribute', L.cublasLtMatmulDescSetAttribute(desc, DESC_TRANSA, int32(opA), 4) as number, 'TRANSA');
  check('cublasLtMatmulDescSetAttribute', L.cublasLtMatmulDescSetAttribute(desc, DESC_TRANSB, int32(opB), 4) as number, 'TRANSB');
  check('cublasLtMatmulDescSetAttribute', L.cublasLtMatmulDescSetAttribute(desc, DESC_EPILOGUE, int32(epilogue), 4) as number, 'EPILOGUE');
  const layout = (rows: number, cols: number, ld: number): bigint => {
    const o: [bigint | null] = [null];
    check('cublasLtMatrixLayoutCreate', L.cublasLtMatrixLayoutCreate(o, type, rows, cols, ld) as number, `${rows}x${cols} ld ${ld}`);
    return o[0]!;
  };
  // B stored row-major [k, n] (no trans) is column-major [n, k], ld n; [n, k] (trans) is [k, n], ld k.
  const aLayout = transB ? layout(k, n, k) : layout(n, k, n);
  // A stored row-major [m, k] is column-major [k, m], ld k; [k, m] (trans) is [m, k], ld m.
  const bLayout = transA ? layout(m, k, m) : layout(k, m, k);
  const dLayout = layout(n, m, n);
  const pref: [bigint | null] = [null];
  check('cublasLtMatmulPreferenceCreate', L.cublasLtMatmulPreferenceCreate(pref) as number);
  const results = new Uint8Array(HEURISTIC_RESULT_BYTES);
  const count: [number] = [0];
  try {
    check(
      'cublasLtMatmulPreferenceSetAttribute',
      L.cublasLtMatmulPreferenceSetAttribute(pref[0], PREF_MAX_WORKSPACE_BYTES, BigUint64Array.of(BigInt(CUBLASLT_WORKSPACE_BYTES)), 8) as number,
    );
    check(
      'cublasLtMatmulAlgoGetHeuristic',
      L.cublasLtMatmulAlgoGetHeuristic(handleFor(device), desc, aLayout, bLayout, dLayout, dLayout, pref[0], 1, results, count) as number,
      `${dtype} m=${m} n=${n} k=${k}`,
    );
  } finally {
    L.cublasLtMatmulPreferenceDestroy(pref[0]);
  }
  if (count[0] < 1) {
    throw new CublasError('cublasLtMatmulAlgoGetHeuristic', 15, 'CUBLAS_STATUS_NOT_SUPPORTED', 'no algorithm for this problem', `${dtype} m=${m} n=${n} k=${k}`);
  }
  const dv = new DataView(results.buffer);
  return {
    desc,
    layouts: [aLayout, bLayout, dLayout],
    algo: results.slice(0, ALGO_BYTES),
    workspaceBytes: Number(dv.getBigUint64(HEURISTIC_WORKSPACE_OFFSET, true)),
    epilogue,
  };
}

function destroyPlan(p: Plan): void {
  const L = lt();
  L.cublasLtMatmulDescDestroy(p.desc);
  for (const l of p.layouts) L.cublasLtMatrixLayoutDestroy(l);
}

export interface MatmulArgs {
  /** Element type of a, b, out and bias. */
  dtype: MatmulDType;
  /** Rows of out. */
  m: number;
  /** Columns of out. */
  n: number;
  /** The reduced dimension. */
  k: number;
  /** Device address of A: row-major [m, k], or [k, m] when transA. */
  a: bigint;
  /** Device address of B: row-major [k, n], or [n, k] when transB (a Linear weight [out, in]). */
  b: bigint;
  /** Device address of out: row-major [m, n], contiguous. */
  out: bigint;
  transA?: boolean;
  transB?: boolean;
  /** Device address of a bias [n] added to every row (cuBLASLt's bias epilogue). */
  bias?: bigint;
  /** Device of the pointers; default the stream's, else 0. */
  device?: number;
  /** Stream to enqueue on; default the library stream. */
  stream?: Stream;
}

const ONE = Float32Array.of(1);
const ZERO = Float32Array.of(0);

/**
 * out = op(A) · op(B) (+ bias), row-major, enqueued on `stream`: float32, float16 or bfloat16
 * elements, float32 accumulation and scaling, one rounding into the output dtype. With A = x
 * [tokens, in] and B = weight [out, in], transB, it is a Linear layer. Addresses must be 16-byte
 * aligned for the fastest kernels (the caching allocator's blocks are).
 */
export function matmul(args: MatmulArgs): void {
  const { dtype, m, n, k } = args;
  if (!(dtype in DATA_TYPE)) throw new TypeError(`cublasLt.matmul: dtype must be float32, float16 or bfloat16, got ${JSON.stringify(dtype)}`);
  for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`cublasLt.matmul: ${name} must be a positive integer, got ${v}`);
  }
  const device = args.device ?? args.stream?.device ?? 0;
  const stream = resolveStream(args.stream, device);
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const bias = args.bias !== undefined;
  const key = `${device}:${dtype}:${m}:${n}:${k}:${+transA}${+transB}${+bias}`;
  let plan = plans.get(key);
  if (!plan) {
    useDevice(device);
    plan = createPlan(device, dtype, m, n, k, transA, transB, bias);
    if (plans.size >= MAX_PLANS) {
      const [oldKey, old] = plans.entries().next().value as [string, Plan];
      destroyPlan(old);
      plans.delete(oldKey);
    }
    plans.set(key, plan);
  }
  const L = lt();
  useDevice(device);
  if (bias) {
    check(
      'cublasLtMatmulDescSetAttribute',
      L.cublasLtMatmulDescSetAttribute(plan.desc, DESC_BIAS_POINTER, BigUint64Array.of(args.bias!), 8) as number,
      'BIAS_POINTER',
    );
  }
  const ws = workspaceFor(device, stream);
  const [aLayout, bLayout, dLayout] = plan.layouts;
  check(
    'cublasLtMatmul',
    L.cublasLtMatmul(
      handleFor(device),
      plan.desc,
      ONE,
      args.b,
      aLayout,
      args.a,
      bLayout,
      ZERO,
      args.out,
      dLayout,
      args.out,
      dLayout,
      plan.algo,
      ws.ptr,
      Math.min(plan.workspaceBytes, CUBLASLT_WORKSPACE_BYTES),
      stream.handle,
    ) as number,
    `${dtype} m=${m} n=${n} k=${k}${bias ? ' +bias' : ''}`,
  );
}
