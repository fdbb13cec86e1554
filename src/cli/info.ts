/** `flash-attn info`: what this installation can run, and on what. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cuda from '../cuda/index.js';
import { AttentionArgumentError } from '../attention/validate.js';
import { clockSample, readClocks } from './bench/environment.js';
import type { ClockSample } from './bench/schema.js';
import { CliArgumentError } from './flags.js';
import {
  type DispatchAnswer,
  INFO_DECODE_PROBE,
  type ShapeQuery,
  decodeDispatchTable,
  dispatchTable,
  explainShape,
  formatDispatchTable,
  parseShapeArgs,
} from './info-dispatch.js';

export interface InfoReport {
  library: string;
  node: string;
  platform: string;
  cuda: {
    available: boolean;
    reason?: string;
    driverCudaVersion?: string;
    /** NVIDIA driver version, from nvidia-smi when it is on the PATH. */
    driver?: string;
    devices: cuda.DeviceProperties[];
    /** Clocks of each device now, from nvidia-smi (null without it). */
    clocks: (ClockSample | null)[];
  };
  kernels: { built: boolean; nvcc?: string; builtAt?: string; modules: { name: string; target: string; kernels: number; maxRegisters: number }[] };
  /** Which backend runs the asked shape, or each dtype x head dim x causal at a small shape. */
  dispatch: DispatchAnswer[];
  /** Without an asked shape: the same table for a GQA decode step (INFO_DECODE_PROBE). */
  decodeDispatch?: DispatchAnswer[];
}

/** 'flash-attn-ts 0.1.0', from the package's package.json. */
export function libraryVersion(): string {
  // dist/src/cli/info.js -> package.json three levels up
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  return `${pkg.name} ${pkg.version}`;
}

/** Everything `info` reports; with `query`, dispatch answers for that shape alone. */
export function collectInfo(query?: ShapeQuery): InfoReport {
  const available = cuda.isAvailable();
  const devices = available ? Array.from({ length: cuda.deviceCount() }, (_, i) => cuda.getDeviceProperties(i)) : [];
  const smi = devices.map((d) => readClocks(d.index));
  const manifest = cuda.kernelManifest();
  return {
    library: libraryVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cuda: {
      available,
      reason: cuda.unavailableReason(),
      driverCudaVersion: available ? cuda.formatCudaVersion(cuda.driverVersion()) : undefined,
      driver: smi.find((c) => c?.driver)?.driver ?? undefined,
      devices,
      clocks: smi.map(clockSample),
    },
    kernels: {
      built: manifest !== undefined,
      nvcc: manifest?.nvccVersion,
      builtAt: manifest?.builtAt,
      modules: (manifest?.modules ?? []).map((m) => ({
        name: m.name,
        target: m.target,
        kernels: m.functions.length,
        maxRegisters: Math.max(0, ...m.functions.map((f) => f.registers)),
      })),
    },
    dispatch: query ? [explainShape(query)] : dispatchTable(available ? 'cuda' : 'cpu'),
    decodeDispatch: query ? undefined : decodeDispatchTable(available ? 'cuda' : 'cpu'),
  };
}

export function runInfo(args: readonly string[]): number {
  let query: ShapeQuery | undefined;
  let json = false;
  try {
    const parsed = parseShapeArgs('info', args, { json: { kind: 'bool' } });
    query = parsed.query;
    json = parsed.values.get('json') === true;
  } catch (e) {
    if (!(e instanceof CliArgumentError)) throw e;
    console.error(e.message);
    return 2;
  }
  let info: InfoReport;
  try {
    info = collectInfo(query);
  } catch (e) {
    if (!(e instanceof AttentionArgumentError)) throw e;
    console.error(`flash-attn info: flashAttnFunc would reject this shape: ${e.message}`);
    return 1;
  }
  if (json) {
    console.log(JSON.stringify(info, null, 2));
    return 0;
  }
  const lines = [`${info.library} on Node ${info.node} (${info.platform})`];
  if (info.cuda.available) {
    lines.push(`CUDA driver: ${info.cuda.driverCudaVersion}${info.cuda.driver ? ` (NVIDIA driver ${info.cuda.driver})` : ''}`);
    for (const d of info.cuda.devices) {
      lines.push(
        `GPU ${d.index}: ${d.name}, compute capability ${d.computeCapability.join('.')}, ${d.smCount} SMs, ` +
          `${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, L2 ${(d.l2CacheBytes / 2 ** 20).toFixed(0)} MiB, ` +
          `SM clock up to ${(d.clockRateKHz / 1000).toFixed(0)} MHz, shared memory per block up to ${d.maxSharedMemoryPerBlockOptin} B`,
      );
      const c = info.cuda.clocks[d.index];
      if (c) {
        lines.push(
          `  clocks now (nvidia-smi): SM ${c.smMHz ?? '?'}/${c.smMaxMHz ?? '?'} MHz, memory ${c.memMHz ?? '?'}/${c.memMaxMHz ?? '?'} MHz, ` +
            `${c.pstate ?? '?'}, ${c.temperatureC ?? '?'} C, power limit ${c.powerLimitW ?? '?'} W`,
        );
      }
    }
  } else {
    lines.push(`CUDA: not available (${info.cuda.reason}); attention runs on the CPU`);
  }
  if (info.kernels.built) {
    lines.push(`kernels: built with nvcc ${info.kernels.nvcc} at ${info.kernels.builtAt}`);
    for (const m of info.kernels.modules) lines.push(`  ${m.name} (${m.target}): ${m.kernels} kernels, up to ${m.maxRegisters} registers`);
  } else {
    lines.push(`kernels: not built (no nvcc at install time); run 'npm run build:kernels' with the CUDA toolkit`);
  }
  lines.push(...formatDispatch(info.dispatch, query !== undefined));
  if (info.decodeDispatch) {
    const p = INFO_DECODE_PROBE;
    lines.push(
      `GQA decode (batch ${p.batch}, seqlenQ ${p.seqlen}, seqlenK ${p.seqlenK}, ${p.heads} heads on ${p.headsKV} KV heads; ` +
        `sm90+pack: a PackGQA kernel, the ${p.heads / p.headsKV} query heads of a KV head in one tile):`,
    );
    lines.push(...formatDispatchTable(info.decodeDispatch));
  }
  console.log(lines.join('\n'));
  return 0;
}

function formatDispatch(answers: readonly DispatchAnswer[], asked: boolean): string[] {
  if (asked) {
    const a = answers[0]!;
    const lines = [`dispatch: ${a.problem}`, `  runs on: ${a.backend ?? 'no backend (the call would fail)'}`];
    if (a.kernel) {
      const packed = a.kernel.endsWith('_packgqa');
      const group = a.query.heads / a.query.headsKV;
      lines.push(`  kernel: ${a.kernel}${packed ? ` (PackGQA: the ${group} query heads of each KV head share a tile, ${128 / group} positions each)` : ''}`);
    }
    for (const r of a.reasons) lines.push(`  ${r}`);
    return lines;
  }
  const where = answers[0]?.query.device ?? 'cpu';
  const lines = [`dispatch on ${where} (batch 1, seqlen 128, 2 heads; ask for a shape with --shape BxSxHxD [--seqlen-k N] [--heads-kv N] [--dtype bf16] [--causal] [--device cpu|cuda]):`];
  lines.push(...formatDispatchTable(answers));
  return lines;
}
