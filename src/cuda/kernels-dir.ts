/**
 * Where the kernels built at install time live, and what the build recorded about them.
 * The build (scripts/build-kernels.mjs) writes dist/kernels/manifest.json beside the images.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuiltModule {
  name: string;
  /** 'portable' (sm_80 SASS + compute_80 PTX, a fatbin) or 'sm90a' (a cubin). */
  target: 'portable' | 'sm90a';
  file: string;
  ptx: string;
  report: string;
  functions: { name: string; registers: number; spillStores: number; spillLoads: number; stackBytes: number; sharedBytes: number }[];
}

export interface KernelManifest {
  nvccVersion: string;
  /** CUDA version of the toolkit that built the kernels, 1000 * major + 10 * minor. */
  cudaVersion: number;
  builtAt: string;
  buildSeconds: number;
  modules: BuiltModule[];
}

/** dist/kernels of this package (or FLASH_ATTN_KERNELS_DIR). */
export function kernelsDir(): string {
  if (process.env.FLASH_ATTN_KERNELS_DIR) return resolve(process.env.FLASH_ATTN_KERNELS_DIR);
  // This file is dist/src/cuda/kernels-dir.js; the images are in dist/kernels.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kernels');
}

let manifest: KernelManifest | null | undefined;

/** The build's manifest, or undefined when no kernel was built (no nvcc at install time). */
export function kernelManifest(): KernelManifest | undefined {
  if (manifest === undefined) {
    const p = join(kernelsDir(), 'manifest.json');
    manifest = existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as KernelManifest) : null;
  }
  return manifest ?? undefined;
}

/** The CUDA version the kernels need from the driver, when kernels were built. */
export function builtToolkitVersion(): number | undefined {
  return kernelManifest()?.cudaVersion;
}
