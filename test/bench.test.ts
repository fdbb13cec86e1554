// The benchmark instrument without a GPU: FLOP formulas, statistics, the grid and its flags, the
// JSON schema, the SVG writer, the comparison, host-cost accounting. GPU parts are gpuTests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attentionFlops, forwardFlops, tflopsOf, visibleScoreArea } from '../src/cli/bench/flops.js';
import { quantile, spreadPct, summarize } from '../src/cli/bench/stats.js';
import { CPU_GRID, FA3_GRID, expandGrid, type BenchConfig, type GridSpec } from '../src/cli/bench/grid.js';
import { parseBenchArgs, GPU_ITERS, CPU_ITERS } from '../src/cli/bench/args.js';
import { CliArgumentError } from '../src/cli/flags.js';
import { BENCH_SCHEMA, type BenchFile, parseBenchFile, schemaProblems } from '../src/cli/bench/schema.js';
import { failedRecord, measuredRecord, runGrid } from '../src/cli/bench/runner.js';
import type { Executor } from '../src/cli/bench/executor.js';
import { renderBarChart, yAxis, xmlEscape, type BarChart } from '../src/cli/bench/svg.js';
import { chartOf } from '../src/cli/bench/chart.js';
import { bestPeer, compareFiles, comparisonMarkdown, README_END, README_START, ratio, replaceBetweenMarkers } from '../src/cli/bench/compare.js';
import { inputSetCount } from '../src/cli/bench/timing.js';
import { deviceSlug, parseSmiLine } from '../src/cli/bench/environment.js';
import { progressObserver } from '../src/cli/bench/progress.js';
import { markdownTable } from '../src/cli/bench/table.js';
import { allElements, parseXml, type XmlElement } from './support/xml.js';

// ---- FLOPs ------------------------------------------------------------------------------------

/** Discrete (query, key) pairs a bottom-right causal mask leaves visible, counted one by one. */
function causalPairs(sq: number, sk: number): number {
  let n = 0;
  for (let i = 0; i < sq; i++) n += Math.min(sk, Math.max(0, i + sk - sq + 1));
  return n;
}

test('forward FLOPs are 4·B·H·S²·D without a mask, as FlashAttention counts them', () => {
  // The FA3 grid's head dim 128, 16k point: 2.2 TFLOP per call (688 TFLOP/s is 3.2 ms).
  const s = { batch: 1, heads: 16, seqlenQ: 16384, seqlenK: 16384, headDim: 128, causal: false };
  assert.equal(forwardFlops(s), 4 * 1 * 16 * 16384 * 16384 * 128);
  assert.equal(attentionFlops({ ...s, batch: 3, heads: 5, seqlenQ: 100, seqlenK: 300, headDim: 64 }, 'fwd'), 4 * 3 * 5 * 100 * 300 * 64);
  // headDimV counts in the PV matmul only.
  assert.equal(forwardFlops({ ...s, seqlenQ: 10, seqlenK: 10, headDim: 64, headDimV: 128 }), 2 * 16 * 100 * (64 + 128));
});

test('causal FLOPs are halved when seqlenQ = seqlenK, and otherwise count the visible area', () => {
  for (const S of [1, 7, 512, 4096]) {
    const s = { batch: 2, heads: 3, seqlenQ: S, seqlenK: S, headDim: 64 };
    assert.equal(attentionFlops({ ...s, causal: true }, 'fwd'), attentionFlops({ ...s, causal: false }, 'fwd') / 2);
  }
  // The continuous area is the discrete pair count less half a diagonal of min(sq, sk) cells.
  for (const [sq, sk] of [[1, 1], [3, 10], [17, 113], [128, 129], [113, 17], [1000, 4097], [4097, 1000]] as const) {
    assert.equal(visibleScoreArea(sq, sk, true), causalPairs(sq, sk) - Math.min(sq, sk) / 2, `sq ${sq} sk ${sk}`);
    assert.equal(visibleScoreArea(sq, sk, false), sq * sk);
  }
  assert.equal(visibleScoreArea(4, 10, true), 4 * 10 - 8);
  assert.equal(visibleScoreArea(10, 4, true), 8);
});

test('backward counts 2.5x the forward, forward+backward 3.5x; TFLOP/s is FLOPs per ms / 1e9', () => {
  const s = { batch: 2, heads: 8, seqlenQ: 1024, seqlenK: 1024, headDim: 128, causal: true };
  const f = attentionFlops(s, 'fwd');
  assert.equal(attentionFlops(s, 'bwd'), 2.5 * f);
  assert.equal(attentionFlops(s, 'fwd+bwd'), 3.5 * f);
  assert.equal(tflopsOf(1e12, 1000), 1);
  assert.equal(tflopsOf(2 * 1e12, 2), 1000);
});

// ---- statistics -------------------------------------------------------------------------------

test('summary statistics use linear-interpolation quantiles (numpy default) and the IQR spread', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0.75), 3.25);
  const s = summarize([4, 1, 3, 2, 10]);
  assert.deepEqual({ n: s.n, median: s.median, min: s.min, max: s.max, mean: s.mean, q1: s.q1, q3: s.q3 }, { n: 5, median: 3, min: 1, max: 10, mean: 4, q1: 2, q3: 4 });
  assert.ok(Math.abs(s.stdev - Math.sqrt(50 / 4)) < 1e-12);
  assert.equal(spreadPct(s), (100 * 2) / 3);
  assert.equal(summarize([7]).stdev, 0);
  assert.throws(() => summarize([]), /no samples/);
});

// ---- grid and flags ---------------------------------------------------------------------------

test("the default grid is the FA3 paper's: 16k tokens, hidden 2048, head dims 64/128/256, seqlen 512..16k, causal and not", () => {
  const g = expandGrid(FA3_GRID);
  assert.equal(g.length, 3 * 2 * 6);
  for (const c of g) {
    assert.equal(c.batch * c.seqlen, 16384);
    assert.equal(c.heads * c.headDim, 2048);
    assert.equal(c.headsKV, c.heads);
    assert.equal(c.dtype, 'bfloat16');
    assert.equal(c.direction, 'fwd');
  }
  assert.deepEqual([...new Set(g.map((c) => c.seqlen))], [512, 1024, 2048, 4096, 8192, 16384]);
  assert.deepEqual(g.slice(0, 7).map((c) => [c.headDim, c.causal, c.seqlen]), [
    [64, false, 512], [64, false, 1024], [64, false, 2048], [64, false, 4096], [64, false, 8192], [64, false, 16384], [64, true, 512],
  ]);
  const cpu = expandGrid(CPU_GRID);
  assert.ok(cpu.every((c) => c.batch * c.seqlen === 1024 && c.heads * c.headDim === 256));
});

test('bench flags set every grid dimension, with k suffixes, GQA and fixed batch/heads', () => {
  const o = parseBenchArgs(['--dtype', 'fp16', '--head-dims=128', '--seqlens', '1k,16k', '--heads', '32', '--gqa', '4', '--batch', '3',
    '--causal', 'yes', '--direction', 'fwd', '--iters', '7', '--warmup', '0', '--json', 'a.json', '--svg', 'b.svg']);
  assert.equal(o.iters, 7);
  assert.equal(o.warmup, 0);
  assert.equal(o.json, 'a.json');
  const g = expandGrid(o.grid);
  assert.deepEqual(g.map((c) => [c.dtype, c.headDim, c.seqlen, c.batch, c.heads, c.headsKV, c.causal]), [
    ['float16', 128, 1024, 3, 32, 8, true],
    ['float16', 128, 16384, 3, 32, 8, true],
  ]);
  const d = parseBenchArgs([]);
  assert.deepEqual(d.grid, { ...FA3_GRID });
  assert.equal(d.iters, GPU_ITERS);
  assert.equal(d.backend, 'auto');
  const c = parseBenchArgs(['--backend', 'cpu']);
  assert.deepEqual(c.grid.seqlens, CPU_GRID.seqlens);
  assert.equal(c.iters, CPU_ITERS);
});

test('bench argument errors name the flag, what it expects and what it got', () => {
  const cases: [string[], RegExp][] = [
    [['--frobnicate'], /^flash-attn bench: unknown option '--frobnicate'/],
    [['--seqlens', '512,abc'], /--seqlens must be a comma-separated list of seqlens.*got '512,abc'/],
    [['--seqlens'], /--seqlens needs a value/],
    [['--seqlens', '--iters', '3'], /--seqlens needs a value/],
    [['--dtype', 'int8'], /--dtype must be bf16, fp16 or fp32, got 'int8'/],
    [['--head-dims', '100'], /--head-dims must hold multiples of 8 up to 256, got 100/],
    [['--head-dims', '512'], /--head-dims must hold multiples of 8 up to 256, got 512/],
    [['--iters', '0'], /--iters must be a positive integer, got '0'/],
    [['--warmup', '-1'], /--warmup must be a non-negative integer, got '-1'/],
    [['--causal', 'maybe'], /--causal must be both, yes or no, got 'maybe'/],
    [['--direction', 'sideways'], /--direction must be fwd, bwd or fwd\+bwd.*got 'sideways'/],
    [['--backend', 'sm70'], /--backend must be one of auto, sm90, sm80, cpu, got 'sm70'/],
    [['--gqa', '3'], /--gqa 3 must divide the number of heads, got 32 heads at head dim 64/],
    [['--hidden', '100'], /--hidden 100 must be a multiple of every head dim, got head dim 64/],
    [['extra'], /unexpected argument 'extra'/],
    [['--print-grid=maybe'], /--print-grid is a switch \(true or false\), got 'maybe'/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseBenchArgs(argv), (e: unknown) => e instanceof CliArgumentError && re.test(e.message), `argv ${argv.join(' ')}`);
  }
});

test('input sets rotate until their total reaches the rotation size, at least 1 and at most the cap', () => {
  const L2x2 = 100 * 2 ** 20;
  assert.equal(inputSetCount(256 * 2 ** 20, L2x2), 1);
  assert.equal(inputSetCount(30 * 2 ** 20, L2x2), 4);
  assert.equal(inputSetCount(1024, L2x2, 64), 64);
  assert.equal(inputSetCount(0, L2x2), 1);
});

// ---- records and the JSON schema --------------------------------------------------------------

const CONFIG: BenchConfig = { dtype: 'bfloat16', direction: 'fwd', headDim: 128, causal: true, seqlen: 2048, seqlenK: 2048, batch: 8, heads: 16, headsKV: 16 };

/** An executor with made-up times (1, 1.01, 1.02, ... ms) that fails at one head dim. */
function fakeExecutor(failHeadDim = 256): Executor {
  return {
    device: { kind: 'cpu', name: 'fake', computeCapability: null, smCount: null, memoryBytes: null, l2Bytes: null, driver: null, cudaVersion: null, clocksStart: null, clocksEnd: null },
    timer: 'wall-clock',
    rotationBytes: null,
    prepare(c) {
      if (c.headDim === failHeadDim) throw new Error(`head dim ${c.headDim} is not supported by the fake`);
      return { run: () => {}, backend: 'fake', inputSets: 2, dispose: () => {} };
    },
    time(_run, plan) {
      return Array.from({ length: plan.iters }, (_, i) => 1 + i * 0.01);
    },
    clockMHz: () => 1755,
    finish() {},
  };
}

test('a measured record carries stats, spread and TFLOP/s from the median and the best run', () => {
  const r = measuredRecord('ours', 'sm80', CONFIG, [2, 1, 4, 3], 3, 1980);
  const flops = attentionFlops({ batch: 8, heads: 16, seqlenQ: 2048, seqlenK: 2048, headDim: 128, causal: true }, 'fwd');
  assert.equal(r.flops, flops);
  assert.equal(r.ms!.median, 2.5);
  assert.equal(r.tflops!.median, flops / 2.5 / 1e9);
  assert.equal(r.tflops!.best, flops / 1 / 1e9);
  assert.deepEqual(r.samplesMs, [2, 1, 4, 3]);
  assert.equal(r.inputSets, 3);
  assert.equal(r.smClockMHz, 1980);
  const f = failedRecord('ours', 'none', CONFIG, 'no backend');
  assert.equal(f.ms, null);
  assert.equal(f.error, 'no backend');
});

function fakeFile(): BenchFile {
  const opts = parseBenchArgs(['--head-dims', '64,256', '--seqlens', '512,1k', '--iters', '5', '--progress', 'none']);
  return runGrid(opts, fakeExecutor(), 'flash-attn-ts test', ['flash-attn', 'bench']);
}

test('runGrid writes a flash-attn-bench/1 file with a run per grid point, failures recorded with their reason', () => {
  const f = fakeFile();
  assert.deepEqual(schemaProblems(f), []);
  assert.equal(f.schema, BENCH_SCHEMA);
  assert.equal(f.runs.length, 2 * 2 * 2);
  assert.ok(!Number.isNaN(Date.parse(f.date)));
  const ok = f.runs.filter((r) => r.headDim === 64);
  assert.ok(ok.every((r) => r.ms?.n === 5 && r.samplesMs.length === 5 && r.tflops!.median > 0 && r.inputSets === 2 && r.smClockMHz === 1755));
  const bad = f.runs.filter((r) => r.headDim === 256);
  assert.ok(bad.every((r) => r.ms === null && r.tflops === null && /not supported by the fake/.test(r.error!)));
  // Survives a round trip through text.
  assert.deepEqual(parseBenchFile(JSON.stringify(f), 'x.json'), f);
});

test('the schema check names what is missing or mistyped, and refuses other versions', () => {
  const f = JSON.parse(JSON.stringify(fakeFile())) as Record<string, unknown> & { runs: Record<string, unknown>[]; device: Record<string, unknown> };
  assert.match(schemaProblems({ ...f, schema: 'flash-attn-bench/2' })[0]!, /schema must be 'flash-attn-bench\/1', got "flash-attn-bench\/2"/);
  delete f.runs[0]!.headDim;
  f.runs[1]!.causal = 'yes';
  f.device.kind = 'tpu';
  (f.runs[2]!.ms as Record<string, unknown>).n = 99;
  const p = schemaProblems(f);
  assert.ok(p.includes('runs[0].headDim is missing'), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('runs[1].causal has the wrong type')));
  assert.ok(p.some((x) => x.startsWith('device.kind has the wrong type')));
  assert.ok(p.some((x) => /runs\[2\]\.samplesMs has 5 entries, ms.n says 99/.test(x)));
  assert.throws(() => parseBenchFile(JSON.stringify(f), 'bad.json'), /^Error: bad.json: not a flash-attn-bench\/1 file: /);
  assert.throws(() => parseBenchFile('{', 'torn.json'), /torn.json: not JSON/);
});

// ---- SVG --------------------------------------------------------------------------------------

function barsOf(panel: XmlElement): XmlElement[] {
  return allElements(panel).filter((e) => e.name === 'rect' && e.attrs.class === 'bar');
}

test('the SVG chart is well-formed and every bar height is value / ymax of its panel', () => {
  const chart: BarChart = {
    title: 'Speed & <things>',
    xLabel: 'Sequence length',
    yLabel: 'Speed (TFLOP/s)',
    columns: 2,
    panels: [
      { title: 'A "quoted" panel', categories: ['512', '1k', '2k'], series: [{ label: 'cudnn', values: [533, 608, null] }, { label: 'ours (sm80)', values: [350.5, 401, 420] }] },
      { title: 'B', categories: ['512'], series: [{ label: 'ours (sm80)', values: [0.75] }] },
    ],
  };
  const svg = renderBarChart(chart);
  const root = parseXml(svg);
  assert.equal(root.name, 'svg');
  assert.ok(allElements(root).some((e) => e.name === 'text' && e.text === 'Speed & <things>'));
  const panels = allElements(root).filter((e) => e.name === 'g' && e.attrs.class === 'panel');
  assert.equal(panels.length, 2);
  const expected = [[533, 608, 350.5, 401, 420], [0.75]];
  panels.forEach((p, i) => {
    const yMax = Number(p.attrs['data-ymax']);
    const plotH = Number(p.attrs['data-plot-height']);
    const baseline = Number(p.attrs['data-baseline']);
    const bars = barsOf(p);
    assert.deepEqual(bars.map((b) => Number(b.attrs['data-value'])).sort((a, b) => a - b), [...expected[i]!].sort((a, b) => a - b));
    for (const b of bars) {
      const v = Number(b.attrs['data-value']);
      assert.ok(v <= yMax, `value ${v} above the axis ${yMax}`);
      assert.ok(Math.abs(Number(b.attrs.height) - (v / yMax) * plotH) <= 0.01, `bar ${v}: height ${b.attrs.height}`);
      assert.ok(Math.abs(Number(b.attrs.y) + Number(b.attrs.height) - baseline) <= 0.02, `bar ${v} stands on the baseline`);
    }
    // The printed values match the data.
    const labels = allElements(p).filter((e) => e.name === 'text' && e.attrs.class === 'value').map((e) => e.text);
    assert.deepEqual(labels.sort(), expected[i]!.map((v) => (v >= 10 ? String(Math.round(v)) : String(v))).sort());
  });
  // A missing figure is marked, not drawn.
  assert.equal(allElements(panels[0]!).filter((e) => e.attrs.class === 'na').length, 1);
  assert.equal(xmlEscape(`a<b & "c" 'd'>`), 'a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
});

test('the y axis leaves headroom and ends on a round tick', () => {
  for (const max of [0.75, 1, 9.9, 533, 783, 1224]) {
    const { yMax, step } = yAxis(max);
    assert.ok(yMax > max && yMax <= max * 2, `max ${max}: yMax ${yMax}`);
    assert.ok(Math.abs(yMax / step - Math.round(yMax / step)) < 1e-9);
  }
});

test('chartOf draws a panel per direction, head dim and causal, bars per series, in GFLOP/s below 1 TFLOP/s', () => {
  const f = fakeFile();
  const chart = chartOf([f]);
  assert.deepEqual(chart.panels.map((p) => p.title), [
    'Forward, without causal mask, head dim 64',
    'Forward, with causal mask, head dim 64',
    'Forward, without causal mask, head dim 256',
    'Forward, with causal mask, head dim 256',
  ]);
  assert.deepEqual(chart.panels[0]!.categories, ['512', '1k']);
  const v = chart.panels[0]!.series[0]!;
  assert.equal(v.label, 'ours (fake)');
  const runs = f.runs.filter((r) => r.headDim === 64 && !r.causal);
  const scale = chart.yLabel.includes('GFLOP') ? 1000 : 1;
  assert.deepEqual(v.values, runs.map((r) => r.tflops!.median * scale));
  assert.deepEqual(chart.panels[2]!.series[0]!.values, [null, null]);
  parseXml(renderBarChart(chart));
});

// ---- comparison -------------------------------------------------------------------------------

function asPeer(f: BenchFile, impl: string, factor: number, recorded = false): BenchFile {
  const g = JSON.parse(JSON.stringify(f)) as BenchFile;
  g.runs = g.runs.map((r) => ({ ...r, impl, backend: `torch.sdpa ${impl}`, tflops: r.tflops && { median: r.tflops.median * factor, best: null } }));
  if (recorded) g.recorded = { source: 'test', note: 'test' };
  return g;
}

test('compare lines up runs by grid point and reports ours / each peer and ours / the best peer', () => {
  const ours = fakeFile();
  const files = [ours, asPeer(ours, 'cudnn', 2), asPeer(ours, 'fa2', 0.5)];
  const c = compareFiles(files);
  assert.deepEqual(c.series, ['cudnn', 'fa2', 'ours (fake)']);
  assert.equal(c.rows.length, ours.runs.length);
  const row = c.rows.find((r) => r.run.headDim === 64)!;
  const o = row.tflops.get('ours (fake)')!;
  assert.equal(ratio(o, row.tflops.get('cudnn')), 0.5);
  assert.equal(ratio(o, row.tflops.get('fa2')), 2);
  assert.equal(bestPeer(row, c.peers), o * 2);
  assert.equal(ratio(null, 3), null);
  const md = comparisonMarkdown(files, 'compare.svg');
  assert.match(md, /\| ours \/ cudnn \| ours \/ fa2 \| ours \/ best \|/);
  assert.match(md, /\|\s+0\.50 \|\s+2\.00 \|\s+0\.50 \|/);
  assert.match(md, /!\[attention speed\]\(compare.svg\)/);
  assert.match(md, /failed/); // the fake's head dim 256 points
});

test('recorded figures only accompany measured grid points', () => {
  const ours = fakeFile();
  const rec = asPeer(ours, 'fa3', 1.5, true);
  rec.runs.push({ ...rec.runs[0]!, direction: 'bwd' });
  const c = compareFiles([ours, rec]);
  assert.ok(c.series.includes('fa3 (recorded)'));
  assert.ok(c.rows.every((r) => r.run.direction === 'fwd'));
});

test('figures recorded on another card say so in the summary', () => {
  const ours = fakeFile();
  const same = asPeer(ours, 'fa3', 1.5, true);
  assert.match(comparisonMarkdown([ours, same]), /- .*: recorded, not measured in this run \(test\)/);
  const other = asPeer(ours, 'fa3', 1.5, true);
  other.device = { ...other.device, name: 'Another GPU' };
  assert.match(
    comparisonMarkdown([ours, other]),
    new RegExp(`: recorded on Another GPU, not this run's card \\(${ours.device.name}\\), not measured in this run \\(test\\)`),
  );
});

test('the README section between the markers is replaced, or appended when the markers are missing', () => {
  const text = `# Bench\n\nintro\n\n${README_START}\nold table\n${README_END}\n\nafter\n`;
  const out = replaceBetweenMarkers(text, 'new table');
  assert.equal(out, `# Bench\n\nintro\n\n${README_START}\nnew table\n${README_END}\n\nafter\n`);
  assert.match(replaceBetweenMarkers('# Bench\n', 'T'), new RegExp(`## Latest results\\n\\n${README_START}\\nT\\n${README_END}\\n$`));
});

test('markdown tables pad columns and align numbers right', () => {
  assert.equal(markdownTable(['a', 'num'], [['x', '1'], ['long', '123']], ['l', 'r']), '| a    | num |\n|:-----|----:|\n| x    |   1 |\n| long | 123 |');
});

// ---- environment and progress -----------------------------------------------------------------

test('nvidia-smi lines parse with [N/A] as missing, and card names make short directory names', () => {
  assert.deepEqual(parseSmiLine('1980, 1980, 2619, 2619, 700.00, 34, P0, 580.159.04'), ['1980', '1980', '2619', '2619', '700.00', '34', 'P0', '580.159.04']);
  assert.deepEqual(parseSmiLine('[N/A], 1980, , N/A'), [undefined, '1980', undefined, undefined]);
  assert.equal(deviceSlug('NVIDIA H100 80GB HBM3'), 'h100-80gb-hbm3');
  assert.equal(deviceSlug('AMD EPYC 7B13 64-Core Processor'), 'amd-epyc-7b13-64-core-processor');
});

test('progress is a redrawn bar on a terminal and plain lines otherwise', () => {
  const f = fakeFile();
  const configs = expandGrid(parseBenchArgs(['--head-dims', '64', '--seqlens', '512']).grid as GridSpec);
  for (const tty of [false, true]) {
    let text = '';
    const obs = progressObserver('auto', { isTTY: tty, columns: 80, write: (s) => (text += s) });
    obs.before!(0, 1, configs[0]!);
    obs.after!(0, 1, f.runs[0]!);
    if (tty) {
      assert.match(text, /\r\[#+\] 1\/1/);
    } else {
      assert.equal(text.split('\n').filter(Boolean).length, 1);
      assert.match(text, /^\[1\/1\] fwd hdim 64 non-causal seqlen 512 batch 32 heads 32: .* ms, .* (T|G)FLOP\/s \(spread/);
    }
  }
  let quiet = '';
  const none = progressObserver('none', { write: (s) => (quiet += s) });
  none.before?.(0, 1, configs[0]!);
  assert.equal(quiet, '');
});
