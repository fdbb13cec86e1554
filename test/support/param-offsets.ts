/**
 * The kernel build emits the offsetof/sizeof/alignof of every parameter struct of the C++ headers
 * (dist/kernels/param-offsets.json); the tests check the TypeScript layouts (defineStruct) against it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cuda from '../../src/cuda/index.js';
import type { StructLayout } from '../../src/cuda/params.js';

export interface EmittedLayout {
  size: number;
  align: number;
  fields: Record<string, number>;
}

/** Where the build writes the emitted layouts. */
export function paramOffsetsPath(): string {
  return join(cuda.kernelsDir(), 'param-offsets.json');
}

/** The emitted layouts by struct name, or undefined when the kernels were not built. */
export function emittedLayouts(): Record<string, EmittedLayout> | undefined {
  const p = paramOffsetsPath();
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, EmittedLayout>) : undefined;
}

/** Asserts that `layout` has the emitted field offsets, size and alignment of its C++ struct. */
export function assertLayoutMatches(layout: StructLayout, emitted: Record<string, EmittedLayout>): void {
  const c = emitted[layout.name];
  assert.ok(c, `${layout.name} missing from param-offsets.json`);
  assert.deepEqual({ ...layout.offsets }, c.fields, layout.name);
  assert.equal(layout.size, c.size, `${layout.name} size`);
  assert.equal(layout.align, c.align, `${layout.name} align`);
}
