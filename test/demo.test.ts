/**
 * `flash-attn demo`: the seed example end to end (Llama-2 tokenizer + SimpleTransformer forward),
 * on the CPU here and on the GPU when there is one, with identical token ids; and its bad inputs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_TEXT, formatDemo, runDemo, runDemoCommand } from '../src/cli/demo.js';
import { main } from '../src/cli/main.js';
import { gpuTest } from './support/gpu.js';

const HELLO_IDS = [1, 15043, 29892, 920, 526, 366, 29973];
/** A smaller model keeps the GPU-vs-CPU comparison fast; the CLI test runs the real demo model. */
const SMALL = { embedSize: 128, heads: 2, layers: 2 };

function capture(): { lines: string[]; out: (s: string) => void } {
  const lines: string[] = [];
  return { lines, out: (s: string) => lines.push(s) };
}

describe('flash-attn demo on the CPU', () => {
  test('prints ids, tokens, shape, values, time and the attention path', () => {
    const o = capture();
    assert.equal(runDemoCommand(['--device', 'cpu'], o.out), 0);
    const text = o.lines.join('\n');
    assert.match(text, /^text: {7}"Hello, how are you\?"$/m);
    assert.match(text, /^token ids: {2}\[1, 15043, 29892, 920, 526, 366, 29973\]$/m);
    assert.match(text, /^tokens: {5}\["<s>", "▁Hello", ",", "▁how", "▁are", "▁you", "\?"\]$/m);
    assert.match(text, /^output: {5}logits \[1, 7, 32000\] bfloat16$/m);
    assert.match(text, /^values: {5}logits\[0, 6, 0:5\] = \[(-?\d+\.\d{4}(e-?\d+)?, ){4}-?\d+\.\d{4}/m);
    assert.match(text, /^time: {7}tokenize [\d.]+ ms, init \d+ ms, first forward [\d.]+ ms, forward [\d.]+ ms$/m);
    assert.match(text, /^attention: {2}cpu$/m);
    assert.match(text, /^device: {5}cpu/m);
  });

  test('--json carries the same data; other text and dtypes work', () => {
    const o = capture();
    assert.equal(runDemoCommand(['Hello', 'world!', '--device=cpu', '--dtype', 'fp32', '--json'], o.out), 0);
    const r = JSON.parse(o.lines.join('\n')) as { ids: number[]; dims: number[]; dtype: string; lastRow: number[] };
    assert.deepEqual(r.ids, [1, 15043, 3186, 29991]);
    assert.deepEqual(r.dims, [1, 4, 32000]);
    assert.equal(r.dtype, 'float32');
    assert.ok(r.lastRow.every((v) => Number.isFinite(v) && v !== 0));
  });

  test('bad input is a clear error', async () => {
    const e: string[] = [];
    assert.equal(runDemoCommand([''], () => {}, (s) => e.push(s)), 2);
    assert.match(e.pop()!, /^flash-attn demo: the text must not be empty/);
    assert.equal(runDemoCommand(['--device', 'gpu'], () => {}, (s) => e.push(s)), 2);
    assert.match(e.pop()!, /^flash-attn demo: --device must be one of auto, cpu, cuda, got 'gpu'$/);
    assert.throws(() => runDemo({ text: '' }), /^NnArgumentError: demo: text must not be empty/);
    assert.throws(() => runDemo({ text: 42 as unknown as string }), /^NnArgumentError: demo: text must be a string, got 42$/);
    assert.throws(() => runDemo({ device: 'tpu' as unknown as 'cpu' }), /demo: device must be 'auto', 'cpu' or 'cuda', got "tpu"/);
    assert.throws(() => runDemo({ device: 'cpu', model: { embedSize: 100, heads: 3 } }), /embedSize \(100\) must be divisible by heads \(3\)/);
    // Through the CLI's entry point too.
    const orig = console.error;
    const seen: string[] = [];
    console.error = (s: string) => seen.push(s);
    try {
      assert.equal(await main(['demo', '--seed', '-1']), 2);
    } finally {
      console.error = orig;
    }
    assert.match(seen.join('\n'), /--seed/);
  });
});

test('examples/simple-transformer.mjs runs as written', () => {
  const r = spawnSync(process.execPath, [join(process.cwd(), 'examples', 'simple-transformer.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, FLASH_ATTN_LIBCUDA: 'libcuda-absent-for-this-test.so.1' }, // the CPU path, fast and the same everywhere
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ids {4}\[1,15043,29892,920,526,366,29973\]$/m);
  assert.match(r.stdout, /^logits \[1,7,32000\] bfloat16 on cpu/m);
  assert.match(r.stdout, /^attention ran on cpu$/m);
});

gpuTest('flash-attn demo on the GPU: same token ids as the CPU, FlashAttention on the GPU, logits that agree', () => {
  const gpu = runDemo({ device: 'cuda', model: SMALL });
  console.log(formatDemo(gpu));
  assert.deepEqual(gpu.ids, HELLO_IDS);
  assert.deepEqual(gpu.ids, runDemo({ device: 'cpu', model: { ...SMALL, layers: 0 } }).ids);
  assert.equal(gpu.text, DEMO_TEXT);
  assert.match(gpu.device, /^cuda:0 \(/);
  assert.ok(gpu.attention && gpu.attention.backend !== 'cpu', `attention path: ${JSON.stringify(gpu.attention)}`);
  // Same seed, same weights: in float32 the two devices agree to float32 accumulation error.
  const c32 = runDemo({ device: 'cpu', model: SMALL, dtype: 'float32' });
  const g32 = runDemo({ device: 'cuda', model: SMALL, dtype: 'float32' });
  const scale = Math.max(...c32.lastRow.map(Math.abs));
  g32.lastRow.forEach((v, i) => assert.ok(Math.abs(v - c32.lastRow[i]!) <= 1e-4 * scale, `value ${i}: gpu ${v}, cpu ${c32.lastRow[i]}`));
});
