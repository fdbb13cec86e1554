/**
 * `flash-attn bench` and its subcommands `compare` and `hostcost` (and `--model`, model.ts's
 * whole-model benchmark): argument handling and output.
 * The machinery lives beside this file, one job per module.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import * as cuda from '../../cuda/index.js';
import { BACKEND_ENV, reloadBackendEnv } from '../../attention/dispatch.js';
import { CliArgumentError, parseFlags } from '../flags.js';
import { libraryVersion } from '../info.js';
import { BENCH_USAGE, type BenchOptions, parseBenchArgs } from './args.js';
import { checkDirectionAvailable } from './calls.js';
import { svgOf } from './chart.js';
import { comparisonMarkdown, updateReadme } from './compare.js';
import { CpuExecutor } from './cpu.js';
import { cpuDeviceRecord, cudaDeviceRecord, gitCommit, hostRecord } from './environment.js';
import type { Executor } from './executor.js';
import { GpuExecutor } from './gpu.js';
import { expandGrid } from './grid.js';
import { formatHostCost, measureHostCost } from './hostcost.js';
import { runModelBenchCommand } from './model.js';
import { progressObserver } from './progress.js';
import { runGrid } from './runner.js';
import { BENCH_SCHEMA, type BenchFile, parseBenchFile } from './schema.js';
import { fileHeadline, runsTable } from './table.js';

/** Where output goes; tests pass their own. */
export interface CommandIO {
  out(s: string): void;
  err(s: string): void;
}

const consoleIO: CommandIO = { out: (s) => console.log(s), err: (s) => console.error(s) };

function writeOutput(path: string, text: string, io: CommandIO): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text);
  io.err(`wrote ${path}`);
}

/** Runs `flash-attn bench ...` (argv after 'bench'); returns the exit status. */
export function runBenchCommand(argv: readonly string[], io: CommandIO = consoleIO): number {
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(BENCH_USAGE);
      return 0;
    }
    if (argv.includes('--model')) return runModelBenchCommand(argv.filter((a) => a !== '--model'), io.out);
    if (argv[0] === 'compare') return runCompare(argv.slice(1), io);
    if (argv[0] === 'hostcost') return runHostCost(argv.slice(1), io);
    return runGridCommand(argv, io);
  } catch (e) {
    if (e instanceof CliArgumentError) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
}

function executorFor(opts: BenchOptions): Executor {
  if (opts.backend === 'cpu') {
    process.env[BACKEND_ENV] = 'cpu';
    reloadBackendEnv();
    return new CpuExecutor(opts.seed);
  }
  if (!cuda.isAvailable()) {
    throw new CliArgumentError(
      'bench',
      `no CUDA device (${cuda.unavailableReason()}); pass --backend cpu to benchmark the CPU path on its own grid`,
    );
  }
  if (opts.backend !== 'auto') {
    process.env[BACKEND_ENV] = opts.backend;
    reloadBackendEnv();
  }
  return new GpuExecutor(0, opts.seed);
}

function runGridCommand(argv: readonly string[], io: CommandIO): number {
  const opts = parseBenchArgs(argv);
  if (opts.printGrid) {
    io.out(JSON.stringify(expandGrid(opts.grid), null, 1));
    return 0;
  }
  for (const d of opts.grid.directions) {
    try {
      checkDirectionAvailable(d);
    } catch (e) {
      throw new CliArgumentError('bench', (e as Error).message);
    }
  }
  // --backend works through FLASH_ATTN_BACKEND, as a user would force it; put it back afterwards.
  const savedBackend = process.env[BACKEND_ENV];
  let file: BenchFile;
  try {
    const ex = executorFor(opts);
    file = runGrid(opts, ex, libraryVersion(), ['flash-attn', 'bench', ...argv], progressObserver(opts.progress));
  } finally {
    if (savedBackend === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = savedBackend;
    reloadBackendEnv();
  }
  io.out(fileHeadline(file));
  io.out('');
  io.out(runsTable(file));
  if (opts.json) writeOutput(opts.json, JSON.stringify(file, null, 1) + '\n', io);
  if (opts.svg) writeOutput(opts.svg, svgOf([file]), io);
  return file.runs.some((r) => r.tflops) ? 0 : 1;
}

const COMPARE_FLAGS = {
  svg: { kind: 'string', expects: 'a file path' },
  markdown: { kind: 'string', expects: 'a file path' },
  readme: { kind: 'string', expects: 'a markdown file with <!-- bench:latest:start/end --> markers' },
} as const;

function runCompare(argv: readonly string[], io: CommandIO): number {
  const { values, positional } = parseFlags('bench compare', argv, COMPARE_FLAGS);
  if (positional.length === 0) throw new CliArgumentError('bench compare', 'needs at least one bench JSON file');
  const files: BenchFile[] = positional.map((p) => {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      throw new CliArgumentError('bench compare', `cannot read ${p}: ${(e as Error).message}`);
    }
    return parseBenchFile(text, p);
  });
  const svg = values.get('svg') as string | undefined;
  const markdown = values.get('markdown') as string | undefined;
  const readme = values.get('readme') as string | undefined;
  io.out(comparisonMarkdown(files));
  if (svg) writeOutput(svg, svgOf(files), io);
  if (markdown) writeOutput(markdown, comparisonMarkdown(files, svg ? relative(dirname(resolve(markdown)), resolve(svg)) : undefined) + '\n', io);
  if (readme) {
    updateReadme(readme, comparisonMarkdown(files, svg ? relative(dirname(resolve(readme)), resolve(svg)) : undefined));
    io.err(`updated ${readme}`);
  }
  return 0;
}

const HOSTCOST_FLAGS = {
  calls: { kind: 'int', expects: 'a positive integer (calls per timed round)' },
  rounds: { kind: 'int' },
  dtype: { kind: 'string', choices: ['bfloat16', 'float16', 'float32'], aliases: { bf16: 'bfloat16', fp16: 'float16', fp32: 'float32' } },
  json: { kind: 'string', expects: 'a file path' },
} as const;

function runHostCost(argv: readonly string[], io: CommandIO): number {
  const { values, positional } = parseFlags('bench hostcost', argv, HOSTCOST_FLAGS);
  if (positional.length > 0) throw new CliArgumentError('bench hostcost', `unexpected argument '${positional[0]}'`);
  const date = new Date().toISOString();
  const rec = measureHostCost({
    callsPerRound: values.get('calls') as number | undefined,
    rounds: values.get('rounds') as number | undefined,
    dtype: values.get('dtype') as 'bfloat16' | undefined,
  });
  io.out(formatHostCost(rec));
  const json = values.get('json') as string | undefined;
  if (json) {
    const gpu = cuda.isAvailable();
    const file: BenchFile = {
      schema: BENCH_SCHEMA,
      tool: libraryVersion(),
      date,
      commit: gitCommit(),
      host: hostRecord({ node: process.version }),
      device: gpu ? cudaDeviceRecord(0) : cpuDeviceRecord(),
      settings: { warmup: 0, iters: rec.rounds, timer: 'wall-clock', rotationBytes: null, seed: 1, argv: ['flash-attn', 'bench', 'hostcost', ...argv] },
      runs: [],
      hostCost: rec,
    };
    writeOutput(json, JSON.stringify(file, null, 1) + '\n', io);
  }
  return 0;
}
