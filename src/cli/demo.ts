/**
 * `flash-attn demo [text]`: the FlashAttention seed example, as it was meant. The Llama-2 tokenizer
 * encodes the text, a SimpleTransformer (token embedding, pre-norm blocks whose attention calls
 * flashAttnQkvpackedFunc on a packed qkv view, LM head) runs its forward on the GPU when there is
 * one (else the CPU), and the command prints the ids and tokens, the output's shape and a few
 * values, the time, and which attention path ran. The weights are random (seeded): the logits show
 * the pipeline works, not a trained model's predictions.
 */
import * as cuda from '../cuda/index.js';
import { hasBuiltModule } from '../cuda/index.js';
import type { DType } from '../tensor/dtype.js';
import { NN_MODULE } from '../nn/kernels.js';
import { NnArgumentError, describeValue } from '../nn/functional.js';
import { SimpleTransformer, type SimpleTransformerConfig } from '../nn/transformer.js';
import { formatAttentionPath, type AttentionPath } from '../nn/attention.js';
import { llama2Tokenizer } from '../tokenizer/index.js';
import { CliArgumentError, parseFlags } from './flags.js';

export const DEMO_TEXT = 'Hello, how are you?';

/** The demo model: Llama-2's vocabulary, 8 heads of 64, 4 layers (45.4M parameters). */
export const DEMO_MODEL = { vocabSize: 32000, embedSize: 512, heads: 8, layers: 4, causal: true } as const;

export interface DemoOptions {
  /** Text to tokenize; default "Hello, how are you?". Must be a non-empty string. */
  text?: string;
  /** 'auto' (default): cuda when a usable GPU is present, else cpu. */
  device?: 'auto' | 'cpu' | 'cuda';
  /** Model dtype; default 'bfloat16'. */
  dtype?: DType;
  /** Initialization seed; default 0. */
  seed?: number;
  /** Model size overrides (tests use a smaller model). */
  model?: Partial<Pick<SimpleTransformerConfig, 'embedSize' | 'heads' | 'layers'>>;
}

export interface DemoResult {
  text: string;
  ids: number[];
  tokens: string[];
  device: string;
  /** Why 'auto' chose the CPU, when it did. */
  cpuBecause?: string;
  config: SimpleTransformerConfig;
  parameters: number;
  dims: number[];
  dtype: DType;
  /** logits[0, last token, 0..5). */
  lastRow: number[];
  /** argmax over the vocabulary at the last position, and its token. */
  argmax: { id: number; token: string };
  timesMs: { tokenize: number; init: number; firstForward: number; forward: number };
  attention: AttentionPath | undefined;
}

/** Why the GPU cannot run the demo here (undefined when it can). */
export function gpuUnusableReason(): string | undefined {
  if (!cuda.isAvailable()) return cuda.unavailableReason() ?? 'no CUDA device';
  if (!hasBuiltModule(NN_MODULE)) return `the '${NN_MODULE}' kernels were not built (run 'npm run build:kernels' with nvcc)`;
  return cuda.cublasLt.cublasLtUnavailableReason();
}

/** Runs the demo and returns what it printed, as data. */
export function runDemo(opts: DemoOptions = {}): DemoResult {
  const fn = 'demo';
  const text = opts.text ?? DEMO_TEXT;
  if (typeof text !== 'string') throw new NnArgumentError(fn, 'text', `text must be a string, got ${describeValue(text)}`);
  if (text.length === 0) throw new NnArgumentError(fn, 'text', 'text must not be empty: give the model something to read');
  const want = opts.device ?? 'auto';
  let device: 'cpu' | 'cuda';
  let cpuBecause: string | undefined;
  if (want === 'auto') {
    cpuBecause = gpuUnusableReason();
    device = cpuBecause ? 'cpu' : 'cuda';
  } else if (want === 'cuda') {
    const why = gpuUnusableReason();
    if (why) throw new Error(`--device cuda: ${why}`);
    device = 'cuda';
  } else if (want === 'cpu') {
    device = 'cpu';
  } else {
    throw new NnArgumentError(fn, 'device', `device must be 'auto', 'cpu' or 'cuda', got ${describeValue(want)}`);
  }

  const t0 = performance.now();
  const tok = llama2Tokenizer();
  const enc = tok.encode(text);
  const t1 = performance.now();

  const config: SimpleTransformerConfig = { ...DEMO_MODEL, ...opts.model, dtype: opts.dtype ?? 'bfloat16', seed: opts.seed ?? 0, device };
  const model = new SimpleTransformer(config);
  if (device === 'cuda') cuda.synchronizeDevice(0);
  const t2 = performance.now();
  // The first forward loads kernels and picks cuBLASLt algorithms; the second is the steady state.
  model.forward(enc.ids).dispose();
  if (device === 'cuda') cuda.synchronizeDevice(0);
  const t3 = performance.now();
  const logits = model.forward(enc.ids);
  const host = logits.toHost(); // waits for the GPU
  const t4 = performance.now();

  const [, seqlen, vocab] = logits.dims as [number, number, number];
  const all = host.toFloat32Array();
  const last = all.subarray((seqlen - 1) * vocab, seqlen * vocab);
  let best = 0;
  for (let i = 1; i < vocab; i++) if (last[i]! > last[best]!) best = i;
  const result: DemoResult = {
    text,
    ids: enc.ids,
    tokens: enc.tokens,
    device: device === 'cuda' ? `cuda:0 (${cuda.getDeviceProperties(0).name})` : 'cpu',
    cpuBecause,
    config,
    parameters: model.numParameters(),
    dims: [...logits.dims],
    dtype: logits.dtype,
    lastRow: Array.from(last.subarray(0, 5)),
    argmax: { id: best, token: tok.idToToken(best) ?? '?' },
    timesMs: { tokenize: t1 - t0, init: t2 - t1, firstForward: t3 - t2, forward: t4 - t3 },
    attention: model.attentionPath,
  };
  logits.dispose();
  host.dispose();
  model.dispose();
  return result;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

/** The demo's printed form. */
export function formatDemo(r: DemoResult): string {
  const c = r.config;
  const lines = [
    `text:       ${JSON.stringify(r.text)}`,
    `tokenizer:  Llama-2 (meta-llama/Llama-2-7b-chat-hf), ${r.ids.length} tokens`,
    `token ids:  [${r.ids.join(', ')}]`,
    `tokens:     [${r.tokens.map((t) => JSON.stringify(t)).join(', ')}]`,
    `model:      SimpleTransformer(vocabSize ${c.vocabSize}, embedSize ${c.embedSize}, heads ${c.heads} x ${c.embedSize / c.heads}, ` +
      `layers ${c.layers}, causal ${c.causal}), ${r.dtype}, ${(r.parameters / 1e6).toFixed(1)}M parameters, seed ${c.seed}, random weights`,
    `device:     ${r.device}${r.cpuBecause ? ` (no GPU: ${r.cpuBecause})` : ''}`,
    `output:     logits [${r.dims.join(', ')}] ${r.dtype}`,
    `values:     logits[0, ${r.dims[1]! - 1}, 0:5] = [${r.lastRow.map(fmt).join(', ')}]`,
    `argmax:     next-token id ${r.argmax.id} (${JSON.stringify(r.argmax.token)}), meaningless with untrained weights`,
    `time:       tokenize ${r.timesMs.tokenize.toFixed(1)} ms, init ${r.timesMs.init.toFixed(0)} ms, ` +
      `first forward ${r.timesMs.firstForward.toFixed(1)} ms, forward ${r.timesMs.forward.toFixed(1)} ms`,
    `attention:  ${formatAttentionPath(r.attention)}`,
  ];
  return lines.join('\n');
}

export const DEMO_USAGE = `usage: flash-attn demo [text] [--device auto|cpu|cuda] [--dtype bf16|fp16|fp32] [--seed N] [--json]

Tokenizes the text ("${DEMO_TEXT}" by default) with the Llama-2 tokenizer and runs a
SimpleTransformer forward (FlashAttention on packed qkv) on the GPU when there is one.`;

/** `flash-attn demo ...` (argv after 'demo'); returns the exit status (2 for a bad command line). */
export function runDemoCommand(
  argv: readonly string[],
  out: (s: string) => void = (s) => console.log(s),
  err: (s: string) => void = (s) => console.error(s),
): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(DEMO_USAGE);
    return 0;
  }
  try {
    const { values, positional } = parseFlags('demo', argv, {
      device: { kind: 'string', choices: ['auto', 'cpu', 'cuda'] },
      dtype: { kind: 'string', choices: ['bfloat16', 'float16', 'float32'], aliases: { bf16: 'bfloat16', fp16: 'float16', fp32: 'float32' } },
      seed: { kind: 'count' },
      json: { kind: 'bool' },
    });
    // Unquoted words are one text: `flash-attn demo Hello there` reads "Hello there".
    const text = positional.length > 0 ? positional.join(' ') : undefined;
    if (text !== undefined && text.trim() === '') throw new CliArgumentError('demo', 'the text must not be empty (or leave it out for the default)');
    const r = runDemo({
      text,
      device: values.get('device') as DemoOptions['device'],
      dtype: values.get('dtype') as DType | undefined,
      seed: values.get('seed') as number | undefined,
    });
    out(values.get('json') ? JSON.stringify(r, null, 2) : formatDemo(r));
    return 0;
  } catch (e) {
    if (e instanceof CliArgumentError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
}
