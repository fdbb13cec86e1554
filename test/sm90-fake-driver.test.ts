/**
 * The sm90 path on a fake device: scripts/fake-libcuda.c (built with gcc) stands in for the
 * driver, so dispatch, sm90Supports and the launcher run here as on an H100 while launches do
 * nothing (test/support/fake-sm90-child.ts, in a process of its own: the driver and the kernels
 * folder are chosen by environment variables read once per process). Skipped without gcc or off Linux.
 *
 * It checks the cache of accepted problem signatures in sm90Supports (a problem of an accepted
 * signature is still checked for everything else, with the same reasons; another signature is
 * checked in full), that planned launches pass the bytes of a fresh one, and that the leak
 * backstop frees device memory of owners never disposed (registered in batches, tensor.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = process.cwd();
const gcc = spawnSync('gcc', ['--version']);
const skip = process.platform !== 'linux' ? 'the fake driver stands in for Linux\'s libcuda.so.1' : gcc.status === 0 ? false : 'no gcc to build scripts/fake-libcuda.c';

test('sm90 on a fake device: accepted signatures, planned launches, the leak backstop', { skip }, () => {
  const setUp = spawnSync(process.execPath, [join(root, 'scripts', 'hostcost-fake-driver.mjs'), '--env'], { encoding: 'utf8' });
  assert.equal(setUp.status, 0, setUp.stderr);
  const env = { ...process.env, ...JSON.parse(setUp.stdout), FLASH_ATTN_BACKEND: '' };
  const child = spawnSync(process.execPath, ['--expose-gc', join(root, 'dist', 'test', 'support', 'fake-sm90-child.js')], { encoding: 'utf8', env });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout) as {
    reasons: Record<string, string | null>;
    planned: { launches: number; differing: number[]; hitsIdentical: boolean };
    backstop: { leaked: number; disposed: number; leftAfterGc: number };
  };
  assert.deepEqual(r.reasons, {
    accepted: null,
    'accepted again': null,
    'same signature, negative scale': 'needs softmaxScale > 0 without softcap, got -1',
    'same signature, q at an unaligned address': 'q must start at a 16-byte aligned address (element offset 4)',
    'same signature, k strides not multiples of 8':
      'k strides must be multiples of 8 elements (16-byte TMA strides), got [45288, 136, 68, 1]',
    'same signature, float16 lse': 'lse must be float32, got float16',
    'same signature, an empty problem': 'empty problems (a zero dim) are left to the portable path',
    'same signature, out on the host': 'out must be on cuda:0',
    'same signature, lse with strided rows': 'lse needs a contiguous last dim, got strides [800, 200, 2]',
    'dense head dim 192': null,
    'varlen head dim 192 after dense':
      'has varlen kernels for head dims up to 128 only (beyond, their consumers spill registers), got 192',
    'float32 after bfloat16': 'needs float16 or bfloat16 inputs, got float32',
    'causal (windowed) after unmasked': null,
    'causal, negative scale': 'needs softmaxScale > 0 without softcap, got -0.5',
    'dispatch of the accepted problem': 'sm90',
  });
  assert.deepEqual(r.planned, { launches: 5, differing: [], hitsIdentical: true });
  assert.deepEqual(r.backstop, { leaked: 300, disposed: 0, leftAfterGc: 0 });
});
