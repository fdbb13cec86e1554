/**
 * `flash-attn bench --model`: SimpleTransformer forward throughput (tokens per second) at seqlen 1k
 * to 16k on the GPU, against the same model in PyTorch eager with SDPA pinned to cuDNN
 * (bench/model_peer.py), measured in the same run, one after the other. A benchmark, not a test.
 *
 * Timing: CUDA events around each forward (token upload, every layer, logits), warm-up first,
 * median of `iters`. Results go to bench/results/model-<card>-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cuda from '../../cuda/index.js';
import { formatAttentionPath } from '../../nn/attention.js';
import { SimpleTransformer, type SimpleTransformerConfig } from '../../nn/transformer.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { CliArgumentError, parseFlags } from '../flags.js';

export const MODEL_BENCH_SCHEMA = 'flash-attn-model-bench/1';
/** 8 layers of width 2048 (16 heads of 128) over Llama-2's vocabulary: 470M parameters. */
export const BENCH_MODEL = { vocabSize: 32000, embedSize: 2048, heads: 16, layers: 8, causal: true, dtype: 'bfloat16', mlpRatio: 4 } as const;
export const BENCH_SEQLENS = [1024, 2048, 4096, 8192, 16384];

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export interface ModelBenchOptions {
  seqlens?: number[];
  batch?: number;
  /** Overrides of BENCH_MODEL (vocabSize, embedSize, heads, layers, causal, dtype). */
  model?: Partial<Pick<SimpleTransformerConfig, 'vocabSize' | 'embedSize' | 'heads' | 'layers' | 'causal' | 'dtype'>>;
  warmup?: number;
  iters?: number;
  /** Run the PyTorch peer (default true). */
  peer?: boolean;
  /** Python with PyTorch; default 'python3'. */
  python?: string;
  /** Output file; default bench/results/model-<card>-<date>.json. Empty string: do not write. */
  out?: string;
  log?: (s: string) => void;
}

export interface ModelBenchRow {
  seqlen: number;
  tokens: number;
  /** hostMs: median wall time of enqueueing one forward (when it nears medianMs, the host is the bottleneck). */
  ours: { medianMs: number; msAll: number[]; tokensPerSecond: number; hostMs: number };
  peer?: { medianMs: number; msAll: number[]; tokensPerSecond: number };
  /** ours / peer tokens per second (> 1: we are faster). */
  speedup?: number;
}

export interface ModelBenchFile {
  schema: typeof MODEL_BENCH_SCHEMA;
  date: string;
  commit: string | null;
  device: { name: string; computeCapability: string; driverCuda: string; smCount: number };
  model: SimpleTransformerConfig & { parameters: number };
  batch: number;
  warmup: number;
  iters: number;
  attention: string;
  cublasLt: { path: string; version: number };
  peer: { torch?: string; cudnn?: number; backend?: string; error?: string } | null;
  rows: ModelBenchRow[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = rng.nextUint32() % vocab;
  return ids;
}

/** Runs the model benchmark on cuda:0 and, unless disabled, the PyTorch peer right after. */
export function runModelBench(opts: ModelBenchOptions = {}): ModelBenchFile {
  const log = opts.log ?? ((s: string) => console.error(s));
  if (!cuda.isAvailable()) throw new Error(`bench --model needs a GPU: ${cuda.unavailableReason()}`);
  const why = cuda.cublasLt.cublasLtUnavailableReason();
  if (why) throw new Error(why);
  const seqlens = opts.seqlens ?? BENCH_SEQLENS;
  const batch = opts.batch ?? 1;
  const warmup = opts.warmup ?? 3;
  const iters = opts.iters ?? 10;
  const config: SimpleTransformerConfig = { ...BENCH_MODEL, ...opts.model, device: 'cuda', seed: 0 };
  const model = new SimpleTransformer(config);
  const props = cuda.getDeviceProperties(0);
  log(`model: ${(model.numParameters() / 1e6).toFixed(0)}M parameters, ${config.dtype}, on ${props.name}`);
  const rows: ModelBenchRow[] = [];
  const start = cuda.Event.create(0);
  const end = cuda.Event.create(0);
  for (const seqlen of seqlens) {
    const ids = randomIds(batch * seqlen, config.vocabSize, seqlen);
    const shaped = { ids, dims: [batch, seqlen] };
    const forward = (): void => {
      // Token upload is part of the forward a user runs, so it is inside the timed region.
      const logits = model.forward(batchTensor(shaped));
      logits.dispose();
    };
    for (let i = 0; i < warmup; i++) forward();
    const path = model.attentionPath;
    if (!path || path.fallback) {
      throw new Error(`bench --model: attention has no GPU kernel for this model (${formatAttentionPath(path)}); refusing to time a CPU fallback`);
    }
    const ms: number[] = [];
    const host: number[] = [];
    for (let i = 0; i < iters; i++) {
      start.record();
      const t0 = performance.now();
      forward();
      host.push(performance.now() - t0);
      end.record();
      end.synchronize();
      ms.push(end.elapsedSince(start));
    }
    const med = median(ms);
    const hostMs = median(host);
    rows.push({ seqlen, tokens: batch * seqlen, ours: { medianMs: med, msAll: ms, tokensPerSecond: (batch * seqlen) / (med / 1000), hostMs } });
    log(`ours seqlen ${seqlen}: ${med.toFixed(2)} ms (host enqueue ${hostMs.toFixed(2)} ms), ${((batch * seqlen) / med / 1000).toFixed(1)}k tokens/s`);
  }
  const attention = formatAttentionPath(model.attentionPath);
  const parameters = model.numParameters();
  model.dispose();
  start.dispose();
  end.dispose();
  cuda.emptyCache(0); // give the peer the memory

  let peer: ModelBenchFile['peer'] = null;
  if (opts.peer ?? true) {
    const args = [
      join(PACKAGE_ROOT, 'bench', 'model_peer.py'),
      `--seqlens=${seqlens.join(',')}`,
      `--batch=${batch}`,
      `--vocab=${config.vocabSize}`,
      `--embed=${config.embedSize}`,
      `--heads=${config.heads}`,
      `--layers=${config.layers}`,
      `--mlp-ratio=${config.mlpRatio ?? 4}`,
      `--causal=${config.causal === false ? 0 : 1}`,
      `--dtype=${config.dtype}`,
      `--warmup=${warmup}`,
      `--iters=${iters}`,
    ];
    const r = spawnSync(opts.python ?? 'python3', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
    const lastLine = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    let parsed: { torch?: string; cudnn?: number; backend?: string; error?: string; rows?: { seqlen: number; medianMs: number; msAll: number[] }[] } = {};
    try {
      parsed = JSON.parse(lastLine) as typeof parsed;
    } catch {
      parsed = { error: `the peer printed no result (exit ${r.status}): ${(r.stderr ?? String(r.error ?? '')).trim().split('\n').slice(-3).join(' | ')}` };
    }
    peer = { torch: parsed.torch, cudnn: parsed.cudnn, backend: parsed.backend, error: parsed.error };
    for (const pr of parsed.rows ?? []) {
      const row = rows.find((x) => x.seqlen === pr.seqlen);
      if (!row) continue;
      row.peer = { medianMs: pr.medianMs, msAll: pr.msAll, tokensPerSecond: row.tokens / (pr.medianMs / 1000) };
      row.speedup = row.ours.tokensPerSecond / row.peer.tokensPerSecond;
    }
    if (peer.error) log(`peer: ${peer.error}`);
  }
  const info = cuda.cublasLt.cublasLtInfo();
  const file: ModelBenchFile = {
    schema: MODEL_BENCH_SCHEMA,
    date: new Date().toISOString(),
    commit: gitCommit(),
    device: {
      name: props.name,
      computeCapability: props.computeCapability.join('.'),
      driverCuda: cuda.formatCudaVersion(cuda.driverVersion()),
      smCount: props.smCount,
    },
    model: { ...config, device: undefined, parameters } as ModelBenchFile['model'],
    batch,
    warmup,
    iters,
    attention,
    cublasLt: info,
    peer,
    rows,
  };
  const out = opts.out ?? join(PACKAGE_ROOT, 'bench', 'results', `model-${slug(props.name)}-${file.date.slice(0, 10)}.json`);
  if (out !== '') {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(out, JSON.stringify(file, null, 2) + '\n');
    log(`wrote ${out}`);
  }
  return file;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** ids as an int32 host tensor of the given dims (a fresh one each call: the forward owns nothing). */
function batchTensor(s: { ids: Int32Array; dims: number[] }): Tensor {
  return Tensor.fromData(s.ids, s.dims, { dtype: 'int32' });
}

/** A markdown table of a result file: seqlen, ours, peer, speedup. */
export function formatModelBench(f: ModelBenchFile): string {
  const m = f.model;
  const head = [
    `SimpleTransformer forward, ${m.dtype}, ${(m.parameters / 1e6).toFixed(0)}M parameters (vocab ${m.vocabSize}, width ${m.embedSize}, ` +
      `${m.heads} heads, ${m.layers} layers, causal ${m.causal}), batch ${f.batch}, on ${f.device.name}; attention: ${f.attention}; ` +
      `peer: PyTorch ${f.peer?.torch ?? '-'} eager, SDPA ${f.peer?.backend ?? '-'} (cuDNN ${f.peer?.cudnn ?? '-'})`,
    '',
    '| seqlen | ours ms | ours tokens/s | PyTorch ms | PyTorch tokens/s | ours / PyTorch | our host enqueue ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;
  for (const r of f.rows) {
    head.push(
      `| ${r.seqlen} | ${r.ours.medianMs.toFixed(2)} | ${k(r.ours.tokensPerSecond)} | ${r.peer ? r.peer.medianMs.toFixed(2) : '-'} | ` +
        `${r.peer ? k(r.peer.tokensPerSecond) : '-'} | ${r.speedup ? r.speedup.toFixed(2) + 'x' : '-'} | ${r.ours.hostMs.toFixed(2)} |`,
    );
  }
  return head.join('\n');
}

/** Options of `bench --model` from its flags (argv without '--model'); for the bench command's wiring. */
export function parseModelBenchArgs(argv: readonly string[]): ModelBenchOptions {
  const { values, positional } = parseFlags('bench --model', argv, {
    seqlens: { kind: 'ints', expects: 'a comma-separated list of seqlens (1k = 1024)' },
    batch: { kind: 'int' },
    layers: { kind: 'count' },
    'embed-size': { kind: 'int' },
    heads: { kind: 'int' },
    warmup: { kind: 'count' },
    iters: { kind: 'int' },
    'no-peer': { kind: 'bool' },
    python: { kind: 'string' },
    out: { kind: 'string' },
  });
  if (positional.length > 0) throw new CliArgumentError('bench --model', `unexpected argument '${positional[0]}'`);
  const model: ModelBenchOptions['model'] = {};
  if (values.has('layers')) model.layers = values.get('layers') as number;
  if (values.has('embed-size')) model.embedSize = values.get('embed-size') as number;
  if (values.has('heads')) model.heads = values.get('heads') as number;
  return {
    seqlens: values.get('seqlens') as number[] | undefined,
    batch: values.get('batch') as number | undefined,
    model,
    warmup: values.get('warmup') as number | undefined,
    iters: values.get('iters') as number | undefined,
    peer: !(values.get('no-peer') as boolean | undefined),
    python: values.get('python') as string | undefined,
    out: values.get('out') as string | undefined,
  };
}

/** `flash-attn bench --model [flags]`: run, print the table, write the file. Returns the exit status. */
export function runModelBenchCommand(argv: readonly string[], out: (s: string) => void = (s) => console.log(s)): number {
  const f = runModelBench(parseModelBenchArgs(argv));
  out(formatModelBench(f));
  return 0;
}
