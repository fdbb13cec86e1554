/**
 * The benchmark JSON format, `flash-attn-bench/1`, written by `flash-attn bench` and by
 * bench/peers.py alike (bench/README.md documents it field by field). A breaking change bumps the
 * version; readers refuse versions they do not know.
 */
import type { BenchConfig } from './grid.js';
import type { MsStats } from './stats.js';

export const BENCH_SCHEMA = 'flash-attn-bench/1';

/** Clocks as nvidia-smi reports them at one moment (MHz); null where it did not say. */
export interface ClockSample {
  smMHz: number | null;
  smMaxMHz: number | null;
  memMHz: number | null;
  memMaxMHz: number | null;
  powerLimitW: number | null;
  temperatureC: number | null;
  pstate: string | null;
}

export interface DeviceRecord {
  kind: 'cuda' | 'cpu';
  /** 'NVIDIA H100 80GB HBM3', or the CPU model. */
  name: string;
  /** '9.0'; null on the CPU. */
  computeCapability: string | null;
  smCount: number | null;
  memoryBytes: number | null;
  l2Bytes: number | null;
  /** NVIDIA driver version as nvidia-smi prints it ('580.159.04'); null without nvidia-smi. */
  driver: string | null;
  /** CUDA version the driver supports ('13.0'). */
  cudaVersion: string | null;
  /** Clocks read before the first run and after the last (null without nvidia-smi). */
  clocksStart: ClockSample | null;
  clocksEnd: ClockSample | null;
}

export interface HostRecord {
  hostname: string;
  platform: string;
  cpu: string;
  cpuCount: number;
  /** Runtime versions, e.g. { node: 'v20.20.2' } or { python: '3.12.3', torch: '2.11.0', cudnn: '91900' }. */
  versions: Record<string, string>;
}

export interface SettingsRecord {
  warmup: number;
  iters: number;
  timer: 'cuda-events' | 'wall-clock';
  /** Input sets rotate until their total size reaches this many bytes (2 x L2); null: no rotation. */
  rotationBytes: number | null;
  seed: number;
  /** The command line that made the file. */
  argv: string[];
}

export interface TflopsRecord {
  /** From the median time. */
  median: number;
  /** From the fastest run; null for recorded figures that give only one number. */
  best: number | null;
}

/**
 * One grid point of one implementation: the point's fields (BenchConfig; seqlen is the query
 * length) with any dtype name a peer reports, then what ran and what it measured.
 */
export interface BenchRun extends Omit<BenchConfig, 'dtype'> {
  /** 'ours', 'cudnn', 'fa2', 'fa3' */
  impl: string;
  /** What ran: 'sm90' | 'sm80' | 'cpu' for ours, 'torch.sdpa CUDNN_ATTENTION' for a peer. */
  backend: string;
  dtype: string;
  /** FLOPs of one call (src/cli/bench/flops.ts). */
  flops: number;
  /** Input sets rotated through (1: the set alone exceeds the rotation size). */
  inputSets: number;
  /** null when the run failed or the figure is recorded, not measured. */
  ms: MsStats | null;
  /** Interquartile range over median, percent. */
  spreadPct: number | null;
  tflops: TflopsRecord | null;
  /** Every timed run, ms, in the order run. */
  samplesMs: number[];
  /** SM clock read right after this point's runs (MHz), null without nvidia-smi. */
  smClockMHz: number | null;
  /** Why the run failed (unsupported shape, ...); ms and tflops are then null. */
  error?: string;
}

export interface HostCostRecord {
  /** Shape of the call: [batch, seqlen, heads, headDim], dtype. */
  shape: number[];
  dtype: string;
  backend: string | null;
  callsPerRound: number;
  rounds: number;
  /** Median microseconds per call of each measured part; null where it could not be measured. */
  us: {
    validation: number;
    dispatch: number;
    /** A repeated call (same tensors and options: the plan cache hits). */
    call: number | null;
    /**
     * A call with tensors no plan knows (validation, dispatch, packing). Absent from files written
     * before the plan cache, whose `call` was such a call.
     */
    uncachedCall?: number | null;
    bareLaunch: number | null;
  };
  /**
   * uncachedCall - validation - dispatch: output handling, argument packing and the launch (in
   * files without uncachedCall: call - validation - dispatch).
   */
  packAndLaunchUs: number | null;
  targetUs: number;
  note?: string;
}

export interface BenchFile {
  schema: typeof BENCH_SCHEMA;
  /** 'flash-attn-ts 0.1.0', 'bench/peers.py'. */
  tool: string;
  /** ISO 8601 time the run started (UTC). */
  date: string;
  /** Git commit of our code ('abc123def456', '+dirty' when modified), null when unknown. */
  commit: string | null;
  host: HostRecord;
  device: DeviceRecord;
  settings: SettingsRecord;
  runs: BenchRun[];
  hostCost?: HostCostRecord;
  /** Present when the figures were copied from a record, not measured by this file's tool. */
  recorded?: { source: string; note: string };
}

type Check = (v: unknown) => boolean;
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isInt: Check = (v) => Number.isSafeInteger(v);
const isStr: Check = (v) => typeof v === 'string';
const isBool: Check = (v) => typeof v === 'boolean';
const orNull = (c: Check): Check => (v) => v === null || c(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkFields(where: string, o: unknown, fields: Record<string, Check>, problems: string[]): void {
  if (!isObj(o)) {
    problems.push(`${where} must be an object`);
    return;
  }
  for (const [k, c] of Object.entries(fields)) {
    if (!(k in o)) problems.push(`${where}.${k} is missing`);
    else if (!c(o[k])) problems.push(`${where}.${k} has the wrong type: ${JSON.stringify(o[k])}`);
  }
}

const CLOCK_FIELDS: Record<string, Check> = {
  smMHz: orNull(isNum),
  smMaxMHz: orNull(isNum),
  memMHz: orNull(isNum),
  memMaxMHz: orNull(isNum),
  powerLimitW: orNull(isNum),
  temperatureC: orNull(isNum),
  pstate: orNull(isStr),
};

const MS_FIELDS: Record<string, Check> = { n: isInt, median: isNum, min: isNum, max: isNum, mean: isNum, stdev: isNum, q1: isNum, q3: isNum };

/** Every way `x` departs from flash-attn-bench/1 (empty when it conforms). */
export function schemaProblems(x: unknown): string[] {
  const p: string[] = [];
  if (!isObj(x)) return ['the file must hold a JSON object'];
  if (x.schema !== BENCH_SCHEMA) return [`schema must be '${BENCH_SCHEMA}', got ${JSON.stringify(x.schema)}`];
  checkFields('file', x, { tool: isStr, date: isStr, commit: orNull(isStr), runs: Array.isArray }, p);
  if (isStr(x.date) && Number.isNaN(Date.parse(x.date as string))) p.push(`file.date must be an ISO 8601 time, got ${JSON.stringify(x.date)}`);
  checkFields('host', x.host, { hostname: isStr, platform: isStr, cpu: isStr, cpuCount: isInt, versions: isObj }, p);
  checkFields(
    'device',
    x.device,
    {
      kind: (v) => v === 'cuda' || v === 'cpu',
      name: isStr,
      computeCapability: orNull(isStr),
      smCount: orNull(isInt),
      memoryBytes: orNull(isNum),
      l2Bytes: orNull(isNum),
      driver: orNull(isStr),
      cudaVersion: orNull(isStr),
      clocksStart: (v) => v === null || isObj(v),
      clocksEnd: (v) => v === null || isObj(v),
    },
    p,
  );
  if (isObj(x.device)) {
    for (const k of ['clocksStart', 'clocksEnd']) if (isObj(x.device[k])) checkFields(`device.${k}`, x.device[k], CLOCK_FIELDS, p);
  }
  checkFields(
    'settings',
    x.settings,
    {
      warmup: isInt,
      iters: isInt,
      timer: (v) => v === 'cuda-events' || v === 'wall-clock',
      rotationBytes: orNull(isNum),
      seed: isInt,
      argv: (v) => Array.isArray(v) && v.every(isStr),
    },
    p,
  );
  if (Array.isArray(x.runs)) x.runs.forEach((r, i) => runProblems(`runs[${i}]`, r, p));
  return p;
}

function runProblems(where: string, r: unknown, p: string[]): void {
  checkFields(
    where,
    r,
    {
      impl: isStr,
      backend: isStr,
      dtype: isStr,
      direction: (v) => v === 'fwd' || v === 'bwd' || v === 'fwd+bwd',
      headDim: isInt,
      causal: isBool,
      seqlen: isInt,
      seqlenK: isInt,
      batch: isInt,
      heads: isInt,
      headsKV: isInt,
      flops: isNum,
      inputSets: isInt,
      ms: (v) => v === null || isObj(v),
      spreadPct: orNull(isNum),
      tflops: (v) => v === null || isObj(v),
      samplesMs: (v) => Array.isArray(v) && v.every(isNum),
      smClockMHz: orNull(isNum),
    },
    p,
  );
  if (!isObj(r)) return;
  if (isObj(r.ms)) {
    checkFields(`${where}.ms`, r.ms, MS_FIELDS, p);
    if (Array.isArray(r.samplesMs) && r.samplesMs.length !== r.ms.n) p.push(`${where}.samplesMs has ${r.samplesMs.length} entries, ms.n says ${String(r.ms.n)}`);
  }
  if (isObj(r.tflops)) checkFields(`${where}.tflops`, r.tflops, { median: isNum, best: orNull(isNum) }, p);
  if (r.ms === null && r.tflops === null && !isStr(r.error)) p.push(`${where} has neither a time nor an error`);
}

/** Parses and checks a bench file's text; throws naming the file and its first problems. */
export function parseBenchFile(text: string, name: string): BenchFile {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not JSON (${(e as Error).message})`);
  }
  const problems = schemaProblems(x);
  if (problems.length > 0) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new Error(`${name}: not a ${BENCH_SCHEMA} file: ${problems.slice(0, 5).join('; ')}${more}`);
  }
  return x as BenchFile;
}
