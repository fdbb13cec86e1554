#!/usr/bin/env node
// Runs the compiled test suite (dist/test) with node's test runner. Node 20 has no --test globs,
// so the files are listed here. FLASH_ATTN_REQUIRE_GPU=1 turns GPU skips into failures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'dist', 'test');
const filter = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort()
  .map((f) => join(dir, f));
if (files.length === 0) {
  console.error(`no test files in ${dir}${filter.length ? ` matching ${filter.join(', ')}` : ''}`);
  process.exit(1);
}

// Test files run in parallel processes: two (CI's two cores), up to four on larger machines (the
// GPU machine's 16 cores, where the float64 references of the sm90 files are most of the time);
// FLASH_ATTN_TEST_JOBS overrides.
const jobs = Number(process.env.FLASH_ATTN_TEST_JOBS) || Math.max(2, Math.min(4, Math.floor(availableParallelism() / 4)));
console.log(`flash-attn-ts tests: ${files.length} files, ${jobs} at a time${process.env.FLASH_ATTN_REQUIRE_GPU === '1' ? ' (GPU required)' : ''}`);
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${jobs}`, ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
