#!/usr/bin/env node
// Host cost of flashAttnFunc on the sm90 path, measured on a machine without a GPU: builds
// scripts/fake-libcuda.c (gcc) into a temporary folder, writes a kernels folder whose manifest
// lists the sm90 kernels (with an empty image the fake driver accepts), points FLASH_ATTN_LIBCUDA
// and FLASH_ATTN_KERNELS_DIR at them and times the calls of `flash-attn bench hostcost`
// (src/cli/bench/hostcost.ts) on its shape. Everything but the driver's own time runs as on a GPU
// host, so the figures are the JavaScript (and koffi) part of the call; compare builds here, not
// with numbers from another machine.
//
//   node scripts/hostcost-fake-driver.mjs [--dist DIR] [--rounds N] [--calls N]
//       per case (each in a process of its own), the median and fastest round, in µs per call
//   node scripts/hostcost-fake-driver.mjs --compare DIR_A DIR_B [--runs N] [--separate]
//       per case, N processes that each load both builds and alternate their rounds (the machine's
//       speed drifts between processes); medians of A, B and B/A. --separate: each build in
//       processes of its own, one after the other, for changes to garbage collection (in one
//       process, each build collects the other's garbage)
//   node scripts/hostcost-fake-driver.mjs --profile CASE [--calls N]
//       a CPU profile of N calls of one case: self time per function, in µs per call. V8 names
//       every koffi function after the last one declared (cuTensorMapEncodeTiled): that line is
//       the call's one FFI call, cuLaunchKernel (cached tensor maps need no encode).
//   node scripts/hostcost-fake-driver.mjs --check DIR_A DIR_B
//       runs a set of sm90 problems (dtypes, head dims, masks, softcap, LSE, GQA, packed, varlen,
//       caller's out, fresh and repeated calls, dispatch errors) on each build and compares what
//       they pass to each launch (kernel, grid, block, shared memory, parameter bytes), the dims
//       they return and the errors they raise; exits 1 on any difference. Both builds must
//       allocate in the same order, as the fake driver's addresses follow it.
//   node scripts/hostcost-fake-driver.mjs --env
//       builds the fake driver and kernels folder and prints the environment that selects them, as
//       JSON (test/sm90-fake-driver.test.ts runs its cases in a process with it)
//
// Cases (hostcost.ts's, plus the ones without a caller's out, where each call allocates its output):
//   views          q.view(dims), k.view(dims), v.view(dims) alone
//   fresh-out      flashAttnFunc on new views, caller's out: hostcost's "call with new tensors" + views
//   fresh          flashAttnFunc on new views, output allocated (and disposed)
//   repeat-out     the same tensors and options every call (a plan hit), caller's out
//   repeat         a plan hit, output allocated (and disposed)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
}

/** hostcost.ts's HOST_COST_SHAPE, dtype and DEFAULT_CALLS_PER_ROUND. */
const DIMS = [1, 128, 2, 64];
const DTYPE = 'bfloat16';
const CALLS = Number(flag('--calls', 200));
const ROUNDS = Number(flag('--rounds', 40));
const WARM_ROUNDS = 10;
const CASES = ['views', 'fresh-out', 'fresh', 'repeat-out', 'repeat'];

if (args.includes('--compare')) {
  compare(flag('--compare'), args[args.indexOf('--compare') + 2], Number(flag('--runs', 6)));
} else if (args.includes('--env')) {
  await setUpFakeDevice();
  const { FLASH_ATTN_LIBCUDA, FLASH_ATTN_KERNELS_DIR } = process.env;
  console.log(JSON.stringify({ FLASH_ATTN_LIBCUDA, FLASH_ATTN_KERNELS_DIR }));
} else if (args.includes('--check')) {
  const i = args.indexOf('--check');
  process.exit(check(args[i + 1], args[i + 2]) ? 0 : 1);
} else if (args.includes('--record')) {
  await setUpFakeDevice();
  const lib = await import(join(resolve(flag('--record')), 'src', 'index.js'));
  console.log(JSON.stringify(record(lib)));
} else if (args.includes('--pair')) {
  await setUpFakeDevice();
  const i = args.indexOf('--pair');
  const c = flag('--case');
  const fa = makeCases(await import(join(resolve(args[i + 1]), 'src', 'index.js')))[c];
  const fb = makeCases(await import(join(resolve(args[i + 2]), 'src', 'index.js')))[c];
  console.log(JSON.stringify(measurePair(fa, fb)));
} else if (args.includes('--case') || args.includes('--profile')) {
  await setUpFakeDevice();
  const dist = resolve(flag('--dist', join(here, '..', 'dist')));
  const calls = makeCases(await import(join(dist, 'src', 'index.js')));
  const c = flag('--case') ?? flag('--profile');
  if (!calls[c]) throw new Error(`cases: ${CASES.join(', ')}; got ${c}`);
  if (args.includes('--profile')) await profile(calls[c], Number(flag('--calls', 300000)));
  else console.log(JSON.stringify(measure(calls[c])));
} else {
  const dist = resolve(flag('--dist', join(here, '..', 'dist')));
  for (const c of CASES) {
    const m = runCase(dist, c);
    console.log(`${c.padEnd(12)} median ${m.median.toFixed(2)} µs, fastest round ${m.min.toFixed(2)} µs`);
  }
}

/** Builds the fake driver and kernels folder once per source version; sets the environment. */
async function setUpFakeDevice() {
  const source = readFileSync(join(here, 'fake-libcuda.c'));
  const dir = join(tmpdir(), `flash-attn-fake-cuda-${createHash('sha1').update(source).digest('hex').slice(0, 12)}`);
  const lib = join(dir, 'libcuda.so.1');
  if (!existsSync(lib)) {
    mkdirSync(dir, { recursive: true });
    // Built under a name of its own, then renamed: another process may be building it too.
    const building = `${lib}.${process.pid}`;
    execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', building, join(here, 'fake-libcuda.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(building, lib);
  }
  const kernels = join(dir, 'kernels');
  mkdirSync(kernels, { recursive: true });
  // Every sm90 entry point (kernels/sm90/attn_fwd_sm90_instances.h): varlen only at 64 and 128,
  // PackGQA (dense) at every head dim but windowed 256, clusters from 128 up, wide windowed 64,
  // short dense 64.
  const functions = [];
  for (const dtype of ['fp16', 'bf16']) {
    for (const hd of [64, 128, 192, 256]) {
      for (const window of ['', '_window']) {
        const suffixes = [
          '',
          ...(hd <= 128 ? ['_varlen'] : []),
          ...(hd === 256 && window ? [] : ['_packgqa']),
          ...(hd >= 128 ? ['_cluster'] : []),
          ...(hd === 64 && window ? ['_wide'] : []),
          ...(hd === 64 && !window ? ['_short'] : []),
        ];
        for (const suffix of suffixes) {
          functions.push({ name: `attn_fwd_sm90_${dtype}_hd${hd}${window}${suffix}`, registers: 0, spillStores: 0, spillLoads: 0, stackBytes: 0, sharedBytes: 0 });
        }
      }
    }
  }
  const module = { name: 'attn_fwd_sm90', target: 'sm90a', file: 'attn_fwd_sm90.cubin', ptx: '', report: '', functions };
  const manifest = JSON.stringify({ nvccVersion: 'fake', cudaVersion: 13000, builtAt: '', buildSeconds: 0, modules: [module] });
  for (const [name, text] of [['attn_fwd_sm90.cubin', 'fake'], ['manifest.json', manifest]]) {
    writeFileSync(join(kernels, `${name}.${process.pid}`), text);
    renameSync(join(kernels, `${name}.${process.pid}`), join(kernels, name));
  }
  process.env.FLASH_ATTN_LIBCUDA = lib;
  process.env.FLASH_ATTN_KERNELS_DIR = kernels;
  delete process.env.FLASH_ATTN_BACKEND;
}

function makeCases(lib) {
  const { Tensor, flashAttnFunc, explainDispatch, cuda } = lib;
  const [q, k, v] = [1, 2, 3].map((seed) => Tensor.randn(DIMS, { dtype: DTYPE, device: 'cuda', seed }));
  const out = Tensor.empty(DIMS, { dtype: DTYPE, device: 'cuda' });
  const stream = cuda.defaultStream(0);
  const withOut = { out, stream };
  const noOut = { stream };
  const probe = flashAttnFunc(q, k, v, noOut);
  probe.dispose();
  // The probe must take the sm90 path, or the figures are of something else.
  const problem = { fn: 'probe', q, k, v, out, lse: undefined, batch: 1, seqlenQ: 128, seqlenK: 128, heads: 2, headsKV: 2, headDim: 64, headDimV: 64, params: { softmaxScale: 0.125, causal: false, windowLeft: -1, windowRight: -1, softcap: 0 } };
  const { backend, reasons } = explainDispatch(problem);
  if (backend !== 'sm90') throw new Error(`the probe dispatches to ${backend}, not sm90: ${reasons.join('; ')}`);
  return {
    views: () => {
      q.view(DIMS);
      k.view(DIMS);
      v.view(DIMS);
    },
    'fresh-out': () => flashAttnFunc(q.view(DIMS), k.view(DIMS), v.view(DIMS), withOut),
    fresh: () => flashAttnFunc(q.view(DIMS), k.view(DIMS), v.view(DIMS), noOut).dispose(),
    'repeat-out': () => flashAttnFunc(q, k, v, withOut),
    repeat: () => flashAttnFunc(q, k, v, noOut).dispose(),
  };
}

/** Rounds of CALLS calls of one case; returns the median and fastest round in µs per call. */
function measure(fn) {
  const samples = [];
  for (let r = 0; r < WARM_ROUNDS + ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) fn();
    const us = ((performance.now() - t0) * 1000) / CALLS;
    if (r >= WARM_ROUNDS) samples.push(us);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], min: samples[0] };
}

/** Each case in a process of its own: cases run in one process disturb each other's JIT and GC state. */
function runCase(dist, c) {
  const p = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--dist', dist, '--case', c, '--rounds', String(ROUNDS), '--calls', String(CALLS)],
    { encoding: 'utf8' },
  );
  if (p.status !== 0) throw new Error(`${c} on ${dist} failed:\n${p.stderr}`);
  return JSON.parse(p.stdout.trim().split('\n').pop());
}

/**
 * Both builds' calls in one process, their rounds alternating, so that both see the same machine
 * speed (on a shared 2-core VM it moves by half from one process to the next). Returns each
 * build's median round and the median of the B/A ratios of neighbouring rounds.
 */
function measurePair(fa, fb) {
  const a = [];
  const b = [];
  const ratios = [];
  const round = (fn) => {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) fn();
    return ((performance.now() - t0) * 1000) / CALLS;
  };
  for (let r = 0; r < WARM_ROUNDS + ROUNDS; r++) {
    let ua;
    let ub;
    if (r % 2 === 0) {
      ua = round(fa);
      ub = round(fb);
    } else {
      ub = round(fb);
      ua = round(fa);
    }
    if (r < WARM_ROUNDS) continue;
    a.push(ua);
    b.push(ub);
    ratios.push(ub / ua);
  }
  return { a: median(a), b: median(b), ratio: median(ratios) };
}

function median(xs) {
  return [...xs].sort((x, y) => x - y)[xs.length >> 1];
}

function compare(a, b, runs) {
  const res = Object.fromEntries(CASES.map((c) => [c, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of CASES) {
      const [x, y] = r % 2 === 0 ? [a, b] : [b, a];
      if (args.includes('--separate')) {
        const mx = runCase(x, c).median;
        const my = runCase(y, c).median;
        res[c].push(x === a ? { a: mx, b: my, ratio: my / mx } : { a: my, b: mx, ratio: mx / my });
        continue;
      }
      const p = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--pair', x, y, '--case', c, '--rounds', String(ROUNDS), '--calls', String(CALLS)],
        { encoding: 'utf8' },
      );
      if (p.status !== 0) throw new Error(`${c} failed:\n${p.stderr}`);
      const m = JSON.parse(p.stdout.trim().split('\n').pop());
      res[c].push(x === a ? m : { a: m.b, b: m.a, ratio: 1 / m.ratio });
    }
  }
  const how = args.includes('--separate') ? 'processes of A and B one after the other' : 'each of those processes alternates rounds of A and B';
  console.log(`µs per call; ${runs} runs per case, ${how} (${ROUNDS} rounds of ${CALLS} calls each)`);
  console.log(`A: ${a}\nB: ${b}`);
  console.log(`${'case'.padEnd(18)} ${'A'.padStart(6)} ${'B'.padStart(6)}  B/A    (A, B and B/A: medians over processes)`);
  for (const c of CASES) {
    const xs = res[c];
    console.log(
      `${c.padEnd(18)} ${median(xs.map((m) => m.a)).toFixed(2).padStart(6)} ${median(xs.map((m) => m.b)).toFixed(2).padStart(6)}  ${median(xs.map((m) => m.ratio)).toFixed(2)}`,
    );
  }
  for (const c of ['fresh-out', 'fresh']) {
    const net = (k) => median(res[c].map((m, i) => m[k] - res.views[i][k]));
    console.log(`${(c + ' - views').padEnd(18)} ${net('a').toFixed(2).padStart(6)} ${net('b').toFixed(2).padStart(6)}`);
  }
}

/** Self time per function over `n` calls of `fn`, from the V8 sampling profiler. */
async function profile(fn, n) {
  if (!fn) throw new Error(`--profile takes one of ${CASES.join(', ')}`);
  const { Session } = await import('node:inspector/promises');
  for (let i = 0; i < 50000; i++) fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = performance.now() - t0;
  const { profile: p } = await session.post('Profiler.stop');
  const hits = new Map(p.nodes.map((node) => [node.id, 0]));
  for (const id of p.samples) hits.set(id, hits.get(id) + 1);
  const total = p.samples.length;
  const self = new Map();
  for (const node of p.nodes) {
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/dist\//, '')}:${f.lineNumber + 1}` : '';
    const name = `${f.functionName || '(anonymous)'} ${where}`;
    self.set(name, (self.get(name) ?? 0) + hits.get(node.id));
  }
  const perCall = (ms * 1000) / n;
  console.log(`${n} calls, ${perCall.toFixed(2)} µs per call (profiler on); self time per call:`);
  for (const [name, count] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 30)) {
    console.log(`${((count / total) * perCall).toFixed(3).padStart(7)} µs  ${name}`);
  }
}

/** What each scenario of `scenarios` did, launch by launch (see --check). */
function record(lib) {
  const log = [];
  const launch = lib.cuda.Kernel.prototype.launch;
  lib.cuda.Kernel.prototype.launch = function (grid, block, smem, params, stream) {
    log.push({ kernel: this.name, grid: [...grid], block: [...block], smem, params: Buffer.from(params).toString('hex'), stream: String(stream?.handle) });
    return launch.call(this, grid, block, smem, params, stream);
  };
  // The fake driver's first device range: runs compare only when both got the same one.
  const probe = lib.Tensor.empty([1], { device: 'cuda' });
  const base = probe.devicePointer().toString(16);
  probe.dispose();
  const result = [{ name: 'device base', base }];
  for (const [name, run] of scenarios(lib)) {
    log.length = 0;
    let returned;
    let error;
    try {
      returned = run();
    } catch (e) {
      error = `${e.name}: ${e.message}`;
    }
    result.push({ name, launches: [...log], returned, error });
  }
  return result;
}

function check(a, b) {
  const run = (dist) => {
    // Now and then the fake driver's first range is taken in a process: run again.
    for (let tries = 0; ; tries++) {
      const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--record', dist], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (p.status !== 0) throw new Error(`--record ${dist} failed:\n${p.stderr}`);
      const r = JSON.parse(p.stdout);
      if (r[0].base === '200000000000' || tries === 5) return r;
    }
  };
  const ra = run(a);
  const rb = run(b);
  let same = ra.length === rb.length;
  let launches = 0;
  let shown = 0;
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const x = JSON.stringify(ra[i]);
    const y = JSON.stringify(rb[i]);
    launches += ra[i]?.launches?.length ?? 0;
    if (x !== y) {
      same = false;
      if (++shown > 5) continue;
      console.log(`DIFFERS: ${ra[i]?.name ?? rb[i]?.name}`);
      for (const key of ['base', 'returned', 'error', 'launches']) {
        const [u, w] = [ra[i]?.[key], rb[i]?.[key]].map((z) => JSON.stringify(z) ?? 'undefined');
        if (u !== w) console.log(`  ${key}\n    A: ${u.slice(0, 2000)}\n    B: ${w.slice(0, 2000)}`);
      }
    }
  }
  console.log(`${ra.length - 1} scenarios, ${launches} launches, ${ra.filter((r) => r.error).length} errors: ${same ? 'identical' : 'DIFFERENT'}`);
  return same;
}

/**
 * [name, run] pairs. Each run allocates its tensors, calls the API in several patterns (new views
 * each call; the same tensors three times: first sighting, planned, plan hit) and returns what
 * the calls returned (dims), disposing the outputs.
 */
function scenarios(lib) {
  const { Tensor, flashAttnFunc, flashAttnQkvpackedFunc, flashAttnKvpackedFunc, flashAttnVarlenFunc, cuda } = lib;
  const list = [];
  const shapeOf = (r) => (r instanceof Tensor ? { out: r.dims } : { out: r.out.dims, lse: r.lse.dims });
  const dispose = (r) => (r instanceof Tensor ? r.dispose() : (r.out.dispose(), r.lse.dispose()));
  const rand = (dims, dtype, seed) => Tensor.randn(dims, { dtype, device: 'cuda', seed });
  /**
   * Fresh views twice (each output disposed before the next call), then the same tensors three
   * times (outputs kept); `out` (optional) is the caller's output of every call.
   */
  const pattern = (call, inputs, out) => {
    const shapes = [];
    const views = () => inputs.map((t) => t.view(t.dims));
    for (let i = 0; i < 2; i++) {
      const r = call(...views());
      shapes.push(shapeOf(r));
      if (r !== out) dispose(r);
    }
    // Kept until the end, so that each repeated call writes an output at a new address.
    const kept = [];
    for (let i = 0; i < 3; i++) {
      const r = call(...inputs);
      shapes.push(shapeOf(r));
      if (r !== out) kept.push(r);
    }
    kept.forEach(dispose);
    return shapes;
  };
  const stream = cuda.Stream.create(0);
  const optionSets = [
    {},
    { causal: true },
    { windowSize: [32, 8] },
    { windowSize: [-1, 0] },
    { windowSize: [400, -1] },
    { windowSize: [5, 400], causal: true },
    { softcap: 5, returnLse: true },
    { softmaxScale: 0.3, causal: true, returnLse: true },
    { deterministic: true, stream },
  ];
  for (const dtype of ['bfloat16', 'float16']) {
    for (const hd of [64, 96, 128, 192, 256]) {
      for (const [sq, sk, h, hkv] of [[100, 333, 4, 2], [1, 1, 1, 1], [257, 64, 2, 2]]) {
        optionSets.forEach((opts, i) => {
          list.push([`${dtype} hd${hd} ${sq}x${sk} heads ${h}/${hkv} options ${JSON.stringify({ ...opts, stream: opts.stream && 'a stream' })}`, () => {
            const q = rand([2, sq, h, hd], dtype, 1);
            const k = rand([2, sk, hkv, hd], dtype, 2);
            const v = rand([2, sk, hkv, hd], dtype, 3);
            const shapes = pattern((a, b, c) => flashAttnFunc(a, b, c, opts), [q, k, v]);
            if (i === 1) {
              const out = Tensor.empty([2, sq, h, hd], { dtype, device: 'cuda' });
              shapes.push(...pattern((a, b, c) => flashAttnFunc(a, b, c, { ...opts, out }), [q, k, v], out));
              out.dispose();
            }
            for (const t of [q, k, v]) t.dispose();
            return shapes;
          }]);
        });
      }
    }
  }
  list.push(['qkvpacked causal', () => {
    const qkv = rand([2, 77, 3, 4, 64], 'bfloat16', 4);
    const shapes = pattern((x) => flashAttnQkvpackedFunc(x, { causal: true, returnLse: true }), [qkv]);
    qkv.dispose();
    return shapes;
  }]);
  list.push(['kvpacked GQA window', () => {
    const q = rand([1, 50, 8, 128], 'float16', 5);
    const kv = rand([1, 90, 2, 2, 128], 'float16', 6);
    const shapes = pattern((a, b) => flashAttnKvpackedFunc(a, b, { windowSize: [10, 3] }), [q, kv]);
    for (const t of [q, kv]) t.dispose();
    return shapes;
  }]);
  list.push(['strided q (a slice of heads)', () => {
    const big = rand([2, 40, 8, 64], 'bfloat16', 7);
    const q = big.slice(2, 0, 4);
    const k = rand([2, 40, 4, 64], 'bfloat16', 8);
    const shapes = pattern((a, b, c) => flashAttnFunc(a, b, c, { causal: true }), [q, k, k]);
    for (const t of [big, k]) t.dispose();
    return shapes;
  }]);
  for (const hd of [64, 128]) {
    for (const opts of [{}, { causal: true, returnLse: true }, { windowSize: [7, 2] }]) {
      list.push([`varlen hd${hd} ${JSON.stringify(opts)}`, () => {
        const cuQ = Tensor.fromData(Int32Array.from([0, 5, 5, 130]), [4], { dtype: 'int32', device: 'cuda' });
        const cuK = Tensor.fromData(Int32Array.from([0, 9, 20, 150]), [4], { dtype: 'int32', device: 'cuda' });
        const used = Tensor.fromData(Int32Array.from([9, 0, 100]), [3], { dtype: 'int32', device: 'cuda' });
        const q = rand([130, 4, hd], 'bfloat16', 9);
        const k = rand([150, 2, hd], 'bfloat16', 10);
        const vopts = { ...opts, cuSeqlensQ: cuQ, cuSeqlensK: cuK, maxSeqlenQ: 125, maxSeqlenK: 130, sequsedK: used };
        const shapes = pattern((a, b, c) => flashAttnVarlenFunc(a, b, c, vopts), [q, k, k]);
        for (const t of [cuQ, cuK, used, q, k]) t.dispose();
        return shapes;
      }]);
    }
  }
  // Problems no built kernel takes here (the fake manifest has only the sm90 module).
  const failing = [
    ['float32 on cuda', () => [rand([1, 8, 2, 64], 'float32', 11), rand([1, 8, 2, 64], 'float32', 12)], {}],
    ['headDimV != headDim', () => [rand([1, 8, 2, 64], 'bfloat16', 13), rand([1, 8, 2, 128], 'bfloat16', 14)], {}],
    ['negative scale', () => [rand([1, 8, 2, 64], 'bfloat16', 15), rand([1, 8, 2, 64], 'bfloat16', 16)], { softmaxScale: -1 }],
    ['unaligned q', () => [rand([1200], 'bfloat16', 17).slice(0, 4, 4 + 9 * 2 * 64).view([1, 9, 2, 64]), rand([1, 9, 2, 64], 'bfloat16', 18)], {}],
  ];
  for (const [name, make, opts] of failing) {
    list.push([`fails: ${name}`, () => {
      const [q, v] = make();
      return flashAttnFunc(q, q.dims[1] === v.dims[1] ? q : v, v, opts);
    }]);
  }
  list.push(['fails: validation', () => flashAttnFunc(rand([1, 8, 2, 64], 'bfloat16', 19), rand([1, 8, 2, 32], 'bfloat16', 20), rand([1, 8, 2, 64], 'bfloat16', 21))]);
  return list;
}
