// The benchmark and info commands end to end: `flash-attn bench --backend cpu` on a tiny grid
// writes valid JSON and SVG, bench/peers.py agrees with ours on the grid and the file format,
// `info --shape` answers which backend runs a shape, the host-cost microbenchmark, GPU timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cuda from '../src/cuda/index.js';
import { runBenchCommand } from '../src/cli/bench/command.js';
import { backwardFunction } from '../src/cli/bench/calls.js';
import { attentionFlops } from '../src/cli/bench/flops.js';
import { expandGrid } from '../src/cli/bench/grid.js';
import { parseBenchArgs } from '../src/cli/bench/args.js';
import { DeviceInputPool, VIEW_ALIGN_BYTES } from '../src/cli/bench/inputs.js';
import { EventTimer } from '../src/cli/bench/timing.js';
import { formatHostCost, measureHostCost } from '../src/cli/bench/hostcost.js';
import { type BenchFile, schemaProblems } from '../src/cli/bench/schema.js';
import { summarize } from '../src/cli/bench/stats.js';
import { dispatchTable, explainShape } from '../src/cli/info-dispatch.js';
import { gpu, gpuTest } from './support/gpu.js';
import { IOTA_PARAMS } from './support/test-kernels.js';
import { allElements, parseXml } from './support/xml.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'flash-attn.js');

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function capture(): { io: { out(s: string): void; err(s: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err };
}

const TINY = ['--head-dims', '64,128', '--seqlens', '32,64', '--tokens', '64', '--hidden', '128', '--iters', '2', '--warmup', '1'];

test('flash-attn bench --backend cpu on a tiny grid writes valid JSON and an SVG whose bars are its runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
  try {
    const json = join(dir, 'sub', 'cpu.json');
    const svg = join(dir, 'cpu.svg');
    const r = cli(['bench', '--backend', 'cpu', ...TINY, '--progress', 'lines', '--json', json, '--svg', svg], { FLASH_ATTN_COMMIT: 'test-commit' });
    assert.equal(r.status, 0, r.stderr);
    const f = JSON.parse(readFileSync(json, 'utf8')) as BenchFile;
    assert.deepEqual(schemaProblems(f), []);
    assert.equal(f.commit, 'test-commit');
    assert.equal(f.device.kind, 'cpu');
    assert.equal(f.settings.timer, 'wall-clock');
    assert.deepEqual(f.settings.argv.slice(0, 4), ['flash-attn', 'bench', '--backend', 'cpu']);
    assert.equal(f.runs.length, 2 * 2 * 2);
    for (const run of f.runs) {
      assert.equal(run.backend, 'cpu');
      assert.equal(run.samplesMs.length, 2);
      assert.ok(run.ms!.median > 0 && run.tflops!.median > 0);
      assert.equal(run.flops, attentionFlops({ batch: run.batch, heads: run.heads, seqlenQ: run.seqlen, seqlenK: run.seqlenK, headDim: run.headDim, causal: run.causal }, 'fwd'));
    }
    // One progress line per point on stderr, the table on stdout.
    assert.equal(r.stderr.split('\n').filter((l) => /^\[\d\/8\] fwd hdim/.test(l)).length, 8);
    assert.equal(r.stdout.split('\n').filter((l) => /^\| fwd \| bfloat16 \|/.test(l)).length, 8);
    const bars = allElements(parseXml(readFileSync(svg, 'utf8'))).filter((e) => e.attrs.class === 'bar');
    assert.equal(bars.length, f.runs.length);
    const byValue = new Set(f.runs.map((x) => x.tflops!.median * 1000)); // GFLOP/s on a CPU
    assert.ok(bars.every((b) => byValue.has(Number(b.attrs['data-value']))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench prints its usage, its grid, and refuses bad flags with status 2', () => {
  const help = cli(['bench', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--head-dims 64,128,256/);
  const grid = cli(['bench', '--print-grid', '--head-dims', '128', '--seqlens', '16k']);
  assert.equal(grid.status, 0);
  assert.deepEqual(JSON.parse(grid.stdout), [
    { dtype: 'bfloat16', direction: 'fwd', headDim: 128, causal: false, seqlen: 16384, seqlenK: 16384, batch: 1, heads: 16, headsKV: 16 },
    { dtype: 'bfloat16', direction: 'fwd', headDim: 128, causal: true, seqlen: 16384, seqlenK: 16384, batch: 1, heads: 16, headsKV: 16 },
  ]);
  const bad = cli(['bench', '--seqlens', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^flash-attn bench: --seqlens must be a comma-separated list of seqlens \(positive integers, k = 1024\), got 'x'/);
});

test('--direction bwd is refused with the reason while the library has no backward', { skip: backwardFunction() ? 'flashAttnBackward exists' : false }, () => {
  const c = capture();
  assert.equal(runBenchCommand(['--backend', 'cpu', ...TINY, '--direction', 'fwd,bwd'], c.io), 2);
  assert.match(c.err.join('\n'), /^flash-attn bench: --direction bwd needs flashAttnBackward, which this version of the library does not have yet/);
});

test('without a CUDA device, bench says so and points to --backend cpu', { skip: gpu.available ? 'a CUDA device is present' : false }, () => {
  const c = capture();
  assert.equal(runBenchCommand(['--head-dims', '64', '--seqlens', '512'], c.io), 2);
  assert.match(c.err.join('\n'), /^flash-attn bench: no CUDA device \(.+\); pass --backend cpu to benchmark the CPU path/);
});

test('bench compare reads files, refuses foreign ones, and writes the chart and summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-cmp-'));
  try {
    const a = join(dir, 'a.json');
    assert.equal(cli(['bench', '--backend', 'cpu', '--head-dims', '64', '--seqlens', '32', '--tokens', '32', '--hidden', '64', '--iters', '1', '--warmup', '0', '--progress', 'none', '--json', a]).status, 0);
    const r = cli(['bench', 'compare', a, join(ROOT, 'bench', 'recorded', 'fa3-h100-2026-11-25.json'), '--svg', join(dir, 'c.svg'), '--markdown', join(dir, 's.md')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\| hdim \| causal \| seqlen \| ours \(cpu\) \|/);
    assert.match(readFileSync(join(dir, 's.md'), 'utf8'), /!\[attention speed\]\(c.svg\)/);
    parseXml(readFileSync(join(dir, 'c.svg'), 'utf8'));
    const bad = cli(['bench', 'compare', join(ROOT, 'package.json')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /package.json: not a flash-attn-bench\/1 file: schema must be 'flash-attn-bench\/1', got undefined/);
    assert.equal(cli(['bench', 'compare']).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- peers.py agrees with ours ----------------------------------------------------------------

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const noPython = python.status === 0 ? false : 'python3 is not available';

function peers(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('python3', [join(ROOT, 'bench', 'peers.py'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bench/peers.py expands the same grid as flash-attn bench from the same flags', { skip: noPython }, () => {
  const flagSets = [
    [],
    ['--head-dims', '128', '--seqlens', '1k,16k', '--heads', '32', '--gqa', '4', '--batch', '3', '--causal', 'yes', '--direction', 'fwd,bwd'],
    ['--tokens', '4096', '--hidden', '1024', '--dtype', 'fp16', '--causal', 'no', '--seqlens', '100,513'],
  ];
  for (const flags of flagSets) {
    const r = peers(['--print-grid', ...flags]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), expandGrid(parseBenchArgs(flags).grid), flags.join(' '));
  }
  const bad = peers(['--seqlens', '12x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--seqlens: must be a comma-separated list of positive integers, got '12x'/);
});

test('bench/peers.py writes the same schema, FLOPs and statistics as ours (dry run, no torch)', { skip: noPython }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-peers-'));
  try {
    const out = join(dir, 'p.json');
    const r = peers(['--dry-run', '--iters', '6', '--head-dims', '64,256', '--seqlens', '512,4k', '--direction', 'fwd,fwd+bwd', '--json', out]);
    assert.equal(r.status, 0, r.stderr);
    const f = JSON.parse(readFileSync(out, 'utf8')) as BenchFile;
    assert.deepEqual(schemaProblems(f), []);
    assert.deepEqual([...new Set(f.runs.map((x) => x.impl))], ['cudnn', 'fa2']);
    for (const run of f.runs) {
      const flops = attentionFlops({ batch: run.batch, heads: run.heads, seqlenQ: run.seqlen, seqlenK: run.seqlenK, headDim: run.headDim, causal: run.causal }, run.direction);
      assert.equal(run.flops, flops);
      const s = summarize(run.samplesMs);
      for (const k of ['median', 'min', 'max', 'mean', 'stdev', 'q1', 'q3'] as const) {
        assert.ok(Math.abs(s[k] - run.ms![k]) <= 1e-12 * Math.max(1, s[k]), `${k}: ours ${s[k]}, peers ${run.ms![k]}`);
      }
      assert.ok(Math.abs(run.tflops!.median - flops / s.median / 1e9) <= 1e-9 * run.tflops!.median);
      assert.ok(Math.abs(run.spreadPct! - (100 * (s.q3 - s.q1)) / s.median) <= 1e-9);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// bench/fa3/fa3_peer.py: FlashAttention-3's bench as a measured peer. A stand-in for the CUDA binary
// (which needs a GPU) answers the two questions the wrapper asks: the head dims built, and one
// `raw` line of times per point; the file must then pass the schema as peers.py's does.
const FAKE_FA3 = `#!/usr/bin/env python3
import sys
if sys.argv[1:] == ["--built"]:
    print("64 128"); sys.exit(0)
if "FAIL" in sys.argv[0]:
    print("device Fake H100, 132 SMs, L2 52428800 bytes, CUDA 13.0; FlashAttention-3 abc123")
    print("check hd64 dense s300: max abs error 1.0e+00 FAIL"); sys.exit(1)
iters = next(int(a[8:]) for a in sys.argv if a.startswith("--iters="))
print("device Fake H100, 132 SMs, L2 52428800 bytes, CUDA 13.0; FlashAttention-3 abc123")
for a in sys.argv:
    if a.startswith("--point="):
        hd, c, s, b, h = (int(x) for x in a[8:].split(","))
        base = 4 * b * h * s * s * hd / (2 if c else 1) / 600e12 * 1e3
        print("raw", hd, c, s, b, h, 1, " ".join(f"{base * (1 + 0.01 * (i % 3)):.6f}" for i in range(iters)))
`;

test('bench/fa3/fa3_peer.py writes FlashAttention-3 runs in the peers\' format; points it cannot run fail with the reason', { skip: noPython }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-fa3peer-'));
  try {
    const run = (bin: string, args: string[]): ReturnType<typeof spawnSync> => {
      writeFileSync(bin, FAKE_FA3, { mode: 0o755 });
      return spawnSync('python3', [join(ROOT, 'bench', 'fa3', 'fa3_peer.py'), '--bin', bin, ...args], { encoding: 'utf8', cwd: ROOT });
    };
    const out = join(dir, 'fa3.json');
    const r = run(join(dir, 'fa3_bench'), ['--iters', '5', '--head-dims', '64,256', '--seqlens', '512,4k', '--json', out]);
    assert.equal(r.status, 0, String(r.stderr));
    const f = JSON.parse(readFileSync(out, 'utf8')) as BenchFile;
    assert.deepEqual(schemaProblems(f), []);
    assert.equal(f.device.name, 'Fake H100');
    assert.equal(f.device.cudaVersion, '13.0');
    assert.equal(f.settings.rotationBytes, 2 * 52428800);
    assert.equal(f.runs.length, 8);
    for (const x of f.runs) {
      assert.equal(x.impl, 'fa3');
      assert.match(x.backend, /FlashAttention-3 abc123/);
      if (x.headDim === 64) {
        assert.equal(x.samplesMs.length, 5);
        assert.ok(Math.abs(x.tflops!.median - 600) < 600 * 0.011, `${x.tflops!.median}`);
      } else {
        assert.equal(x.tflops, null);
        assert.match(x.error!, /head dim 256 is not built/);
      }
    }
    const fp16 = run(join(dir, 'fa3_bench'), ['--dtype', 'fp16', '--head-dims', '64', '--seqlens', '512', '--iters', '2']);
    assert.equal(fp16.status, 1);
    assert.match(String(fp16.stdout), /bfloat16 only/);
    // A failed float64 check times nothing: every run fails and the exit status says so.
    const bad = run(join(dir, 'FAIL_fa3_bench'), ['--head-dims', '64', '--seqlens', '512', '--iters', '2', '--json', out]);
    assert.equal(bad.status, 1);
    const g = JSON.parse(readFileSync(out, 'utf8')) as BenchFile;
    assert.deepEqual(schemaProblems(g), []);
    assert.match(g.runs[0]!.error!, /fa3_bench exited with 1/);
    const none = spawnSync('python3', [join(ROOT, 'bench', 'fa3', 'fa3_peer.py'), '--bin', join(dir, 'missing')], { encoding: 'utf8' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /--bin must name the built bench\/fa3\/fa3_bench/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- info --shape -----------------------------------------------------------------------------

test('info --shape says which backend runs a shape; bad shapes are refused with the reason', () => {
  const r = cli(['info', '--shape', '2x256x8x64', '--heads-kv', '2', '--causal', '--device', 'cpu']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /dispatch: bfloat16 on cpu, batch 2, seqlenQ 256, seqlenK 256, heads 8\/2, headDim 64\/64, causal\n {2}runs on: cpu/);
  const j = cli(['info', '--json', '--shape', '1x128x2x128', '--dtype', 'fp16', '--device', 'cpu']);
  assert.equal(j.status, 0, j.stderr);
  const info = JSON.parse(j.stdout) as { dispatch: { backend: string; query: { dtype: string } }[] };
  assert.equal(info.dispatch.length, 1);
  assert.equal(info.dispatch[0]!.backend, 'cpu');
  assert.equal(info.dispatch[0]!.query.dtype, 'float16');
  const badShape = cli(['info', '--shape', '2x128x8']);
  assert.equal(badShape.status, 2);
  assert.match(badShape.stderr, /^flash-attn info: --shape must be BATCHxSEQLENxHEADSxHEADDIM with positive integers, e.g. 2x4096x16x128, got '2x128x8'/);
  const rejected = cli(['info', '--shape', '1x128x8x100', '--device', 'cpu']);
  assert.equal(rejected.status, 1);
  assert.match(rejected.stderr, /flashAttnFunc would reject this shape: flashAttnFunc: q headDim \(dim 3\) must be a multiple of 8/);
  assert.match(cli(['info', '--causal']).stderr, /--causal describes a shape: pass --shape/);
});

test('info without a shape prints the dispatch of every dtype, head dim and causal setting', () => {
  const rows = dispatchTable('cpu');
  assert.equal(rows.length, 3 * 2 * 5);
  assert.ok(rows.every((r) => r.backend === 'cpu'));
  assert.match(cli(['info']).stdout, /dispatch on (cpu|cuda) .*\n {2}dtype {5}causal hdim 64/);
});

gpuTest('on a GPU, info --shape names a GPU backend or every reason none takes the shape', () => {
  const a = explainShape({ batch: 2, seqlen: 512, seqlenK: 512, heads: 16, headsKV: 16, headDim: 128, dtype: 'bfloat16', causal: true, device: 'cuda' });
  if (a.backend === undefined) assert.ok(a.reasons.length >= 2 && a.reasons.some((r) => r.startsWith('sm80:')), a.reasons.join('; '));
  else assert.ok(a.backend === 'sm80' || a.backend === 'sm90', String(a.backend));
});

// ---- host cost --------------------------------------------------------------------------------

test('the host-cost microbenchmark measures validation and dispatch everywhere, launches on a GPU', () => {
  const r = measureHostCost({ callsPerRound: 20, rounds: 3 });
  assert.ok(r.us.validation > 0 && r.us.dispatch > 0);
  assert.equal(r.targetUs, 10);
  if (!gpu.available) {
    assert.equal(r.us.call, null);
    assert.equal(r.us.bareLaunch, null);
    assert.match(r.note!, /no CUDA device/);
  } else {
    assert.ok(r.us.bareLaunch! > 0);
    if (r.us.call !== null) {
      assert.ok(r.us.uncachedCall! > 0);
      assert.equal(r.packAndLaunchUs, Math.max(0, r.us.uncachedCall! - r.us.validation - r.us.dispatch));
    }
  }
  assert.match(formatHostCost(r), /validation +\d+\.\d\d µs/);
});

// ---- GPU timing -------------------------------------------------------------------------------

gpuTest('event timing gives one positive GPU time per timed run', () => {
  const stream = cuda.defaultStream(0);
  const timer = new EventTimer(stream);
  const kernel = cuda.loadBuiltKernel('test_kernels', 'empty_kernel');
  const params = IOTA_PARAMS.writer().bytes;
  let calls = 0;
  const ms = timer.time(() => {
    calls++;
    kernel.launch([1, 1, 1], [32, 1, 1], 0, params, stream);
  }, { warmup: 2, iters: 5 });
  timer.dispose();
  assert.equal(calls, 7);
  assert.equal(ms.length, 5);
  assert.ok(ms.every((x) => x > 0 && x < 100), ms.join(', '));
});

gpuTest('the device input pool hands out aligned, disjoint views of random values', () => {
  const pool = new DeviceInputPool('bfloat16', cuda.defaultStream(0), 7);
  try {
    const [a, b] = pool.take([[3, 5, 7], [2, 100]]);
    const pa = a!.devicePointer();
    const pb = b!.devicePointer();
    assert.equal(Number(pa % BigInt(VIEW_ALIGN_BYTES)), 0);
    assert.equal(Number(pb % BigInt(VIEW_ALIGN_BYTES)), 0);
    assert.ok(pb >= pa + BigInt(3 * 5 * 7 * 2));
    const va = a!.toHost().toFloat64Array();
    assert.ok(va.every(Number.isFinite));
    assert.ok(new Set(va).size > va.length / 4, 'values vary');
    assert.ok(Math.abs(va.reduce((s, x) => s + x, 0) / va.length) < 0.5, 'about zero mean');
  } finally {
    pool.dispose();
  }
});

gpuTest('flash-attn bench on the GPU times a tiny grid through the public API, or records why it cannot', () => {
  const c = capture();
  const dir = mkdtempSync(join(tmpdir(), 'fa-gpu-'));
  try {
    const json = join(dir, 'g.json');
    const status = runBenchCommand(['--head-dims', '64', '--seqlens', '128,256', '--tokens', '512', '--hidden', '128', '--iters', '5', '--warmup', '2', '--progress', 'none', '--json', json], c.io);
    const f = JSON.parse(readFileSync(json, 'utf8')) as BenchFile;
    assert.deepEqual(schemaProblems(f), []);
    assert.equal(f.settings.timer, 'cuda-events');
    assert.equal(f.device.kind, 'cuda');
    assert.ok(f.device.l2Bytes! > 0);
    for (const r of f.runs) {
      if (r.tflops) {
        assert.ok(r.backend === 'sm80' || r.backend === 'sm90', r.backend);
        assert.ok(r.inputSets > 1, 'tiny inputs rotate through several sets');
        assert.ok(r.samplesMs.every((x) => x > 0));
      } else {
        assert.ok(r.error && r.error.length > 0);
      }
    }
    assert.equal(status, f.runs.some((r) => r.tflops) ? 0 : 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
