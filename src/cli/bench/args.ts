/**
 * `flash-attn bench` flags -> BenchOptions. bench/peers.py accepts the same grid flags with the
 * same defaults, so `bench/compare.sh` passes one command line to both.
 */
import { CliArgumentError, type FlagSpec, parseFlags } from '../flags.js';
import { DIRECTIONS, type Direction } from './flops.js';
import { type BenchDType, CPU_GRID, FA3_GRID, type GridSpec, GridError, expandGrid } from './grid.js';

export type BenchBackend = 'auto' | 'sm90' | 'sm80' | 'cpu';
export const BENCH_BACKENDS: readonly BenchBackend[] = ['auto', 'sm90', 'sm80', 'cpu'];

export interface BenchOptions {
  grid: GridSpec;
  /** 'auto' lets dispatch choose (FLASH_ATTN_BACKEND still applies); 'cpu' times host tensors. */
  backend: BenchBackend;
  /** Untimed runs before timing each grid point. */
  warmup: number;
  /** Timed runs per grid point. */
  iters: number;
  seed: number;
  json?: string;
  svg?: string;
  /** 'auto': a bar on a terminal, plain lines otherwise. */
  progress: 'auto' | 'lines' | 'none';
  /** Print the grid as JSON and exit (no device needed). */
  printGrid: boolean;
}

/** Timed runs and warm-ups by default: GPU runs are short, CPU runs are not. */
export const GPU_ITERS = 100;
export const GPU_WARMUP = 10;
export const CPU_ITERS = 5;
export const CPU_WARMUP = 1;

const DTYPE_ALIASES: Record<string, BenchDType> = {
  bf16: 'bfloat16',
  bfloat16: 'bfloat16',
  fp16: 'float16',
  half: 'float16',
  float16: 'float16',
  fp32: 'float32',
  float: 'float32',
  float32: 'float32',
};

const CAUSAL_CHOICES: Record<string, boolean[]> = {
  both: [false, true],
  yes: [true],
  true: [true],
  no: [false],
  false: [false],
};

/** Flags shared with bench/peers.py: keep the two in step. */
export const GRID_FLAGS: Readonly<Record<string, FlagSpec>> = {
  dtype: { kind: 'string', choices: ['bfloat16', 'float16', 'float32'], aliases: DTYPE_ALIASES, expects: 'bf16, fp16 or fp32' },
  'head-dims': { kind: 'ints', expects: 'a comma-separated list of head dims (multiples of 8 up to 256)' },
  seqlens: { kind: 'ints', expects: 'a comma-separated list of seqlens (positive integers, k = 1024)' },
  tokens: { kind: 'int', expects: 'a positive integer (batch = tokens / seqlen)' },
  batch: { kind: 'int' },
  hidden: { kind: 'int', expects: 'a positive integer (heads = hidden / head dim)' },
  heads: { kind: 'int' },
  gqa: { kind: 'int', expects: 'a positive integer (query heads per key/value head)' },
  causal: { kind: 'string', choices: Object.keys(CAUSAL_CHOICES), expects: 'both, yes or no' },
  direction: { kind: 'string', expects: 'fwd, bwd or fwd+bwd, or a comma-separated list of them' },
  iters: { kind: 'int' },
  warmup: { kind: 'count' },
  seed: { kind: 'int' },
  json: { kind: 'string', expects: 'a file path' },
  svg: { kind: 'string', expects: 'a file path' },
};

const BENCH_FLAGS: Readonly<Record<string, FlagSpec>> = {
  ...GRID_FLAGS,
  backend: { kind: 'string', choices: BENCH_BACKENDS },
  progress: { kind: 'string', choices: ['auto', 'lines', 'none'] },
  'print-grid': { kind: 'bool' },
};

const MAX_HEAD_DIM = 256;
const HEAD_DIM_MULTIPLE = 8;

/** Parses `flash-attn bench` flags (argv after 'bench'); throws CliArgumentError. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const cmd = 'bench';
  const { values, positional } = parseFlags(cmd, argv, BENCH_FLAGS);
  if (positional.length > 0) throw new CliArgumentError(cmd, `unexpected argument '${positional[0]}'; see 'flash-attn bench --help'`);
  const get = <T>(name: string): T | undefined => values.get(name) as T | undefined;

  const backend = get<BenchBackend>('backend') ?? 'auto';
  const base = backend === 'cpu' ? CPU_GRID : FA3_GRID;
  const grid: GridSpec = {
    ...base,
    headDims: [...base.headDims],
    seqlens: [...base.seqlens],
    causal: [...base.causal],
    directions: [...base.directions],
  };
  const dtype = get<BenchDType>('dtype');
  if (dtype) grid.dtype = dtype;
  const headDims = get<number[]>('head-dims');
  if (headDims) {
    for (const d of headDims) {
      if (d % HEAD_DIM_MULTIPLE !== 0 || d > MAX_HEAD_DIM) {
        throw new CliArgumentError(cmd, `--head-dims must hold multiples of ${HEAD_DIM_MULTIPLE} up to ${MAX_HEAD_DIM}, got ${d}`);
      }
    }
    grid.headDims = headDims;
  }
  grid.seqlens = get<number[]>('seqlens') ?? grid.seqlens;
  grid.tokens = get<number>('tokens') ?? grid.tokens;
  grid.hidden = get<number>('hidden') ?? grid.hidden;
  const batch = get<number>('batch');
  if (batch !== undefined) grid.batch = batch;
  const heads = get<number>('heads');
  if (heads !== undefined) grid.heads = heads;
  grid.gqa = get<number>('gqa') ?? grid.gqa;
  const causal = get<string>('causal');
  if (causal) grid.causal = CAUSAL_CHOICES[causal]!;
  const direction = get<string>('direction');
  if (direction !== undefined) grid.directions = parseDirections(cmd, direction);

  try {
    expandGrid(grid);
  } catch (e) {
    if (e instanceof GridError) throw new CliArgumentError(cmd, e.message);
    throw e;
  }

  const cpu = backend === 'cpu';
  return {
    grid,
    backend,
    warmup: get<number>('warmup') ?? (cpu ? CPU_WARMUP : GPU_WARMUP),
    iters: get<number>('iters') ?? (cpu ? CPU_ITERS : GPU_ITERS),
    seed: get<number>('seed') ?? 1,
    json: get<string>('json'),
    svg: get<string>('svg'),
    progress: get<'auto' | 'lines' | 'none'>('progress') ?? 'auto',
    printGrid: get<boolean>('print-grid') ?? false,
  };
}

function parseDirections(cmd: string, raw: string): Direction[] {
  const parts = raw.split(',').map((s) => s.trim());
  const out: Direction[] = [];
  for (const p of parts) {
    if (!(DIRECTIONS as readonly string[]).includes(p)) {
      throw new CliArgumentError(cmd, `--direction must be fwd, bwd or fwd+bwd, or a comma-separated list of them, got '${raw}'`);
    }
    if (!out.includes(p as Direction)) out.push(p as Direction);
  }
  return out;
}

export const BENCH_USAGE = `usage: flash-attn bench [options]            time attention over a grid of shapes
       flash-attn bench compare FILE.json... [--svg F] [--markdown F] [--readme F]
       flash-attn bench hostcost [--calls N] [--rounds N] [--json F]
       flash-attn bench --model [...]             SimpleTransformer forward against PyTorch (model.ts)

Grid (defaults: the FlashAttention-3 paper's grid; with --backend cpu a 1k-token, hidden-256 grid):
  --dtype bf16|fp16|fp32      element type (default bf16)
  --head-dims 64,128,256      head dims
  --seqlens 512,1k,...,16k    sequence lengths (query = key)
  --tokens 16384              batch = max(1, tokens / seqlen)     --batch N   fixed batch instead
  --hidden 2048               heads = hidden / head dim           --heads N   fixed heads instead
  --gqa 1                     query heads per key/value head
  --causal both|yes|no        (default both)
  --direction fwd|bwd|fwd+bwd (comma-separated list allowed; bwd needs flashAttnBackward)
Timing:
  --iters ${GPU_ITERS} --warmup ${GPU_WARMUP}      timed runs and warm-ups per point (cpu: ${CPU_ITERS} and ${CPU_WARMUP})
  --backend auto|sm90|sm80|cpu  (auto: dispatch decides; cpu: host tensors, wall-clock timing)
  --seed 1
Output:
  --json FILE   every run, with card, driver, clocks, date and commit (schema flash-attn-bench/1)
  --svg FILE    grouped bar chart of TFLOP/s
  --progress auto|lines|none    --print-grid (print the grid as JSON and exit)`;
