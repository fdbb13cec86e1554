#!/usr/bin/env node
// Builds every kernel module of kernels/build-table.mjs into dist/kernels/ with nvcc, keeps each
// module's PTX and ptxas report, fails on register spills, and emits the parameter structs'
// offsets (compiled from the real headers with the host compiler) for the TypeScript layout test.
//
//   node scripts/build-kernels.mjs            build what changed
//   node scripts/build-kernels.mjs --force    rebuild everything
//   node scripts/build-kernels.mjs --only=a,b build only the named modules
//
// Without nvcc it prints one line saying so and exits 0: the CPU path needs no kernels.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'kernels');
const args = process.argv.slice(2);
const force = args.includes('--force');
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');

const nvcc = process.env.NVCC ?? 'nvcc';
const probe = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.log(
    `flash-attn-ts: ${nvcc} not found, GPU kernels not built (the CPU path works; install the CUDA toolkit and run 'npm run build:kernels' for the GPU).`,
  );
  process.exit(0);
}
const versionMatch = /release (\d+)\.(\d+)/.exec(probe.stdout);
if (!versionMatch) {
  console.error(`flash-attn-ts: cannot read the CUDA version from '${nvcc} --version':\n${probe.stdout}`);
  process.exit(1);
}
const cudaVersion = Number(versionMatch[1]) * 1000 + Number(versionMatch[2]) * 10;
const nvccVersion = `${versionMatch[1]}.${versionMatch[2]}`;

const { modules, paramStructs } = await import(join(root, 'kernels', 'build-table.mjs'));

const COMMON_FLAGS = ['-O3', '-std=c++17', '-I', join(root, 'kernels'), '--expt-relaxed-constexpr', '-lineinfo'];
const TARGETS = {
  portable: { image: '.fatbin', imageFlags: ['-fatbin', '-gencode=arch=compute_80,code=[sm_80,compute_80]'], ptxArch: 'compute_80' },
  sm90a: { image: '.cubin', imageFlags: ['-cubin', '-gencode=arch=compute_90a,code=sm_90a'], ptxArch: 'compute_90a' },
};

/** Hash of every file under kernels/ (headers are shared, so any change may matter) plus flags. */
function treeHash() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cu|cuh|h|hpp|inc|mjs)$/.test(e.name)) h.update(relative(root, p)).update(readFileSync(p));
    }
  };
  walk(join(root, 'kernels'));
  h.update(nvccVersion).update(JSON.stringify(COMMON_FLAGS.filter((f) => !f.startsWith('/'))));
  return h.digest('hex');
}

function run(cmd, argv) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
    child.on('error', (e) => resolve({ code: -1, out: String(e) }));
  });
}

/** Per-function registers, spills, stack and shared memory from a `-Xptxas -v` report. */
function parsePtxasReport(text) {
  const fns = new Map();
  let current;
  for (const line of text.split('\n')) {
    let m = /Compiling entry function '([^']+)'/.exec(line) ?? /Function properties for (\S+)/.exec(line);
    if (m) {
      current = m[1];
      if (!fns.has(current)) fns.set(current, { name: current, registers: 0, spillStores: 0, spillLoads: 0, stackBytes: 0, sharedBytes: 0 });
      continue;
    }
    if (!current) continue;
    const f = fns.get(current);
    m = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (m) {
      f.stackBytes = Number(m[1]);
      f.spillStores = Number(m[2]);
      f.spillLoads = Number(m[3]);
    }
    m = /Used (\d+) registers/.exec(line);
    if (m) f.registers = Number(m[1]);
    m = /(\d+) bytes smem/.exec(line);
    if (m) f.sharedBytes = Number(m[1]);
  }
  // Device functions that are not kernels show up too; keep only entries that were compiled as entries.
  return [...fns.values()].filter((f) => text.includes(`entry function '${f.name}'`));
}

async function buildModule(mod, hash, previous) {
  const t = TARGETS[mod.target];
  if (!t) throw new Error(`kernels/build-table.mjs: module ${mod.name} has unknown target ${mod.target}`);
  const image = `${mod.name}${t.image}`;
  const ptx = `${mod.name}.ptx`;
  const report = `${mod.name}.ptxas.txt`;
  const prev = previous?.modules?.find((m) => m.name === mod.name);
  if (!force && prev && prev.hash === hash && existsSync(join(outDir, image)) && existsSync(join(outDir, ptx))) {
    return { ...prev, reused: true };
  }
  const defines = Object.entries(mod.defines ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const sources = mod.sources.map((s) => join(root, s));
  const started = Date.now();
  const [img, px] = await Promise.all([
    run(nvcc, [...t.imageFlags, ...COMMON_FLAGS, ...defines, '-Xptxas', '-v', '-o', join(outDir, image), ...sources]),
    run(nvcc, ['-ptx', `-arch=${t.ptxArch}`, ...COMMON_FLAGS, ...defines, '-o', join(outDir, ptx), ...sources]),
  ]);
  writeFileSync(join(outDir, report), img.out);
  if (img.code !== 0 || px.code !== 0) {
    throw new Error(`nvcc failed for ${mod.name}:\n${img.code !== 0 ? img.out : px.out}`);
  }
  const functions = parsePtxasReport(img.out);
  const spilling = functions.filter((f) => f.spillStores > 0 || f.spillLoads > 0);
  if (spilling.length > 0 && !mod.allowSpills) {
    throw new Error(
      `${mod.name}: ptxas reports register spills in ${spilling.map((f) => `${f.name} (${f.spillStores} B stores, ${f.spillLoads} B loads)`).join(', ')}`,
    );
  }
  return {
    name: mod.name,
    target: mod.target,
    file: image,
    ptx,
    report,
    hash,
    seconds: (Date.now() - started) / 1000,
    functions,
  };
}

/** Compiles a host program from the headers that prints each struct's size, alignment and offsets. */
function emitOffsets() {
  const headers = [...new Set(paramStructs.map((s) => s.header))];
  const macro = (name) => `${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_FIELDS`;
  let src = '#include <cstddef>\n#include <cstdio>\n';
  for (const h of headers) src += `#include "${join(root, h)}"\n`;
  src += 'int main() {\n  std::printf("{");\n';
  paramStructs.forEach((s, i) => {
    src += `  std::printf("%s\\"${s.struct}\\": {\\"size\\": %zu, \\"align\\": %zu, \\"fields\\": {", ${i ? '","' : '""'}, sizeof(${s.struct}), alignof(${s.struct}));\n`;
    src += `  { const char* sep = ""; (void)sep;\n#define X(f) std::printf("%s\\"" #f "\\": %zu", sep, offsetof(${s.struct}, f)); sep = ", ";\n  ${macro(s.struct)}(X)\n#undef X\n  }\n`;
    src += '  std::printf("}}");\n';
  });
  src += '  std::printf("}\\n");\n  return 0;\n}\n';
  const dir = join(tmpdir(), `flash-attn-offsets-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const cpp = join(dir, 'offsets.cpp');
  const exe = join(dir, 'offsets');
  writeFileSync(cpp, src);
  const cxx = process.env.CXX ?? 'g++';
  const c = spawnSync(cxx, ['-std=c++17', '-I', join(root, 'kernels'), '-o', exe, cpp], { encoding: 'utf8' });
  if (c.status !== 0) throw new Error(`${cxx} failed on the parameter headers:\n${c.stderr}`);
  const r = spawnSync(exe, [], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error('the offsets program failed');
  const parsed = JSON.parse(r.stdout);
  writeFileSync(join(outDir, 'param-offsets.json'), JSON.stringify(parsed, null, 2) + '\n');
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, 'manifest.json');
  const previous = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
  const hash = treeHash();
  const started = Date.now();
  const todo = modules.filter((m) => !only || only.includes(m.name));
  const results = new Array(todo.length);
  const jobs = Math.max(1, Math.floor(cpus().length / 2)); // each module runs two nvcc processes
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < todo.length) {
        const i = next++;
        try {
          results[i] = await buildModule(todo[i], hash, previous);
          const r = results[i];
          const regs = r.functions.map((f) => f.registers);
          console.log(
            `flash-attn-ts: ${r.reused ? 'up to date' : 'built'} ${r.file} (${r.functions.length} kernels, ` +
              `${regs.length ? Math.max(...regs) : 0} registers max${r.reused ? '' : `, ${r.seconds.toFixed(1)} s`})`,
          );
        } catch (e) {
          failed = true;
          console.error(`flash-attn-ts: ${e.message}`);
        }
      }
    }),
  );
  if (failed) process.exit(1);
  emitOffsets();
  // Modules built earlier but not asked for this time (--only) stay in the manifest.
  const kept = (previous?.modules ?? []).filter((m) => !todo.some((t) => t.name === m.name) && modules.some((t) => t.name === m.name));
  const manifest = {
    nvccVersion,
    cudaVersion,
    builtAt: new Date().toISOString(),
    buildSeconds: (Date.now() - started) / 1000,
    modules: [...kept, ...results.map(({ reused, ...r }) => r)],
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  const total = manifest.modules.reduce((n, m) => n + m.functions.length, 0);
  console.log(`flash-attn-ts: ${manifest.modules.length} kernel modules (${total} kernels) ready in ${relative(root, outDir)} (${manifest.buildSeconds.toFixed(1)} s)`);
}

await main();
