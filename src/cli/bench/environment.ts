/**
 * What a benchmark file records about where it ran: host, device, driver, clocks, commit.
 * Clocks come from nvidia-smi when it is on the PATH; we only read them, never set them.
 */
import { execFileSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as cuda from '../../cuda/index.js';
import type { ClockSample, DeviceRecord, HostRecord } from './schema.js';

/** nvidia-smi can stall on a busy machine; a benchmark should not. */
const NVIDIA_SMI_TIMEOUT_MS = 5000;

/** dist/src/cli/bench/ -> the package root, where .git is in a checkout. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const CLOCK_QUERY = [
  'clocks.sm',
  'clocks.max.sm',
  'clocks.mem',
  'clocks.max.mem',
  'power.limit',
  'temperature.gpu',
  'pstate',
  'driver_version',
] as const;

function nvidiaSmi(args: string[]): string | undefined {
  try {
    return execFileSync('nvidia-smi', args, { encoding: 'utf8', timeout: NVIDIA_SMI_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function numberOrNull(s: string | undefined): number | null {
  if (s === undefined) return null;
  const v = Number.parseFloat(s);
  return Number.isFinite(v) ? v : null;
}

/** One CSV line of `nvidia-smi --query-gpu` (noheader, nounits) -> fields, '[N/A]' as undefined. */
export function parseSmiLine(line: string): (string | undefined)[] {
  return line.split(',').map((f) => {
    const t = f.trim();
    return t === '' || /^\[.*\]$/.test(t) || t === 'N/A' ? undefined : t;
  });
}

/** Clocks of GPU `device` now, or null without nvidia-smi. */
export function readClocks(device = 0): (ClockSample & { driver: string | null }) | null {
  const out = nvidiaSmi([`--query-gpu=${CLOCK_QUERY.join(',')}`, '--format=csv,noheader,nounits', `--id=${device}`]);
  const line = out?.split('\n').find((l) => l.trim() !== '');
  if (!line) return null;
  const f = parseSmiLine(line);
  return {
    smMHz: numberOrNull(f[0]),
    smMaxMHz: numberOrNull(f[1]),
    memMHz: numberOrNull(f[2]),
    memMaxMHz: numberOrNull(f[3]),
    powerLimitW: numberOrNull(f[4]),
    temperatureC: numberOrNull(f[5]),
    pstate: f[6] ?? null,
    driver: f[7] ?? null,
  };
}

/** The clock sample without the driver field (as stored per run). */
export function clockSample(c: (ClockSample & { driver: string | null }) | null): ClockSample | null {
  if (!c) return null;
  const { driver: _driver, ...rest } = c;
  return rest;
}

/**
 * The commit our code was built from: FLASH_ATTN_COMMIT when set (the GPU machine has the files
 * but no .git), else `git rev-parse` with '+dirty' for uncommitted changes to tracked files.
 */
export function gitCommit(cwd = PACKAGE_ROOT): string | null {
  const env = process.env.FLASH_ATTN_COMMIT;
  if (env) return env;
  try {
    const opts = { cwd, encoding: 'utf8' as const, timeout: NVIDIA_SMI_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return head + (dirty ? '+dirty' : '');
  } catch {
    return null;
  }
}

export function hostRecord(versions: Record<string, string>): HostRecord {
  const c = cpus();
  return {
    hostname: hostname(),
    platform: `${process.platform}-${process.arch}`,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cpuCount: c.length,
    versions,
  };
}

/** The record of CUDA device `device` (the driver must be available). */
export function cudaDeviceRecord(device = 0): DeviceRecord {
  const p = cuda.getDeviceProperties(device);
  const clocks = readClocks(device);
  return {
    kind: 'cuda',
    name: p.name,
    computeCapability: p.computeCapability.join('.'),
    smCount: p.smCount,
    memoryBytes: p.totalMemoryBytes,
    l2Bytes: p.l2CacheBytes,
    driver: clocks?.driver ?? null,
    cudaVersion: cuda.formatCudaVersion(cuda.driverVersion()),
    clocksStart: clockSample(clocks),
    clocksEnd: null,
  };
}

export function cpuDeviceRecord(): DeviceRecord {
  const c = cpus();
  return {
    kind: 'cpu',
    name: `${c[0]?.model.trim() ?? 'unknown CPU'} (${c.length} threads; the CPU path uses one)`,
    computeCapability: null,
    smCount: null,
    memoryBytes: null,
    l2Bytes: null,
    driver: null,
    cudaVersion: null,
    clocksStart: null,
    clocksEnd: null,
  };
}

/** A short lowercase name for a card or CPU, for directory names ('h100-80gb-hbm3'). */
export function deviceSlug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/^nvidia\s+/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'device'
  );
}
