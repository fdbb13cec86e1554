/**
 * GPU test gate. GPU tests skip, with the reason printed, on machines without a CUDA device; with
 * FLASH_ATTN_REQUIRE_GPU=1 they run anyway and fail with that reason, so a GPU run cannot pass by
 * skipping everything.
 */
import { test } from 'node:test';

/** The context node:test passes to a test function (not exported by name in @types/node 20). */
export type TestContext = Parameters<NonNullable<Parameters<typeof test>[0]>>[0];
import assert from 'node:assert/strict';
import { getDeviceProperties, isAvailable, unavailableReason } from '../../src/cuda/index.js';
import { BACKEND_ENV, type BackendName, getBackend, reloadBackendEnv } from '../../src/attention/dispatch.js';

/** Whether a CUDA device can be used, and why not when it cannot. */
export const gpu: { readonly available: boolean; readonly reason: string } = isAvailable()
  ? { available: true, reason: '' }
  : { available: false, reason: `no CUDA device: ${unavailableReason() ?? 'unknown reason'}` };

const gpuRequired = process.env.FLASH_ATTN_REQUIRE_GPU === '1';

/** Registers a node:test test that needs a CUDA device (see the file comment for the skip rule). */
export function gpuTest(name: string, fn: (t: TestContext) => void | Promise<void>): void {
  if (gpu.available) {
    test(name, fn);
  } else if (gpuRequired) {
    test(name, () => {
      throw new Error(`FLASH_ATTN_REQUIRE_GPU=1 but ${gpu.reason}`);
    });
  } else {
    test(name, { skip: gpu.reason }, fn);
  }
}

/**
 * Skips (with the reason) unless backend `name` can run on cuda:0, then forces it for the test's
 * duration. `unsupported` says from cuda:0's compute capability why the backend cannot run there,
 * or returns undefined; `moduleName` is its kernel module, named when the backend is missing.
 */
export function requireBackend(
  t: TestContext,
  name: BackendName,
  moduleName: string,
  unsupported: (major: number, minor: number) => string | undefined,
): boolean {
  const [major, minor] = getDeviceProperties(0).computeCapability;
  const why = unsupported(major, minor);
  if (why !== undefined) {
    t.skip(why);
    return false;
  }
  assert.ok(getBackend(name), `the ${name} backend is not registered (module ${moduleName} not built?)`);
  const before = process.env[BACKEND_ENV];
  process.env[BACKEND_ENV] = name;
  reloadBackendEnv();
  t.after(() => {
    if (before === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = before;
    reloadBackendEnv();
  });
  return true;
}
