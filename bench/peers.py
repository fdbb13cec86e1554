#!/usr/bin/env python3
"""The peers of `flash-attn bench`: PyTorch's scaled_dot_product_attention with its cuDNN and
FlashAttention-2 backends, over the same grid, dtype and shapes, timed the same way, written in
the same JSON format (flash-attn-bench/1, see bench/README.md).

    python3 bench/peers.py [grid flags as for flash-attn bench] [--peers cudnn,fa2] --json FILE

Grid flags and defaults mirror src/cli/bench/args.ts and grid.ts; keep the two in step (a test
compares `--print-grid` of both). Python is used here only because the peers live in PyTorch.
Inputs are laid out [batch, seqlen, heads, headDim] as ours and handed to SDPA as the transposed
view [batch, heads, seqlen, headDim], so both read the same memory layout.
"""
import argparse
import datetime
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
import warnings

SCHEMA = "flash-attn-bench/1"
FA3_SEQLENS = [512, 1024, 2048, 4096, 8192, 16384]
DEFAULTS = dict(dtype="bfloat16", head_dims=[64, 128, 256], seqlens=FA3_SEQLENS, tokens=16384, hidden=2048, gqa=1,
                causal=[False, True], directions=["fwd"], iters=100, warmup=10, seed=1)
DTYPE_ALIASES = {"bf16": "bfloat16", "bfloat16": "bfloat16", "fp16": "float16", "half": "float16", "float16": "float16",
                 "fp32": "float32", "float": "float32", "float32": "float32"}
CAUSAL_CHOICES = {"both": [False, True], "yes": [True], "true": [True], "no": [False], "false": [False]}
DIRECTIONS = ["fwd", "bwd", "fwd+bwd"]
BACKWARD_FLOP_FACTOR = 2.5
L2_ROTATION_FACTOR = 2
MAX_INPUT_SETS = 64
LSE_BYTES = 4
DTYPE_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
PEERS = {"cudnn": "CUDNN_ATTENTION", "fa2": "FLASH_ATTENTION"}
CLOCK_QUERY = "clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem,power.limit,temperature.gpu,pstate,driver_version"


# ---- arguments and grid (mirrors args.ts / grid.ts) ------------------------------------------

def positive_int(s):
    m = s.strip().lower()
    mult = 1024 if m.endswith("k") else 1
    digits = m[:-1] if mult > 1 else m
    if not digits.isdigit() or int(digits) * mult <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got '{s}'")
    return int(digits) * mult


def count(s):
    if s.strip() == "0":
        return 0
    return positive_int(s)


def int_list(s):
    try:
        return [positive_int(p) for p in s.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of positive integers, got '{s}'")


def dtype_arg(s):
    if s.lower() not in DTYPE_ALIASES:
        raise argparse.ArgumentTypeError(f"must be bf16, fp16 or fp32, got '{s}'")
    return DTYPE_ALIASES[s.lower()]


def causal_arg(s):
    if s not in CAUSAL_CHOICES:
        raise argparse.ArgumentTypeError(f"must be both, yes or no, got '{s}'")
    return CAUSAL_CHOICES[s]


def direction_arg(s):
    out = []
    for p in s.split(","):
        p = p.strip()
        if p not in DIRECTIONS:
            raise argparse.ArgumentTypeError(f"must be fwd, bwd or fwd+bwd, or a comma-separated list of them, got '{s}'")
        if p not in out:
            out.append(p)
    return out


def peers_arg(s):
    out = [p.strip() for p in s.split(",")]
    for p in out:
        if p not in PEERS:
            raise argparse.ArgumentTypeError(f"must be a comma-separated list of {', '.join(PEERS)}, got '{s}'")
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="peers.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", type=dtype_arg, default=DEFAULTS["dtype"])
    ap.add_argument("--head-dims", type=int_list, default=DEFAULTS["head_dims"])
    ap.add_argument("--seqlens", type=int_list, default=DEFAULTS["seqlens"])
    ap.add_argument("--tokens", type=positive_int, default=DEFAULTS["tokens"])
    ap.add_argument("--batch", type=positive_int)
    ap.add_argument("--hidden", type=positive_int, default=DEFAULTS["hidden"])
    ap.add_argument("--heads", type=positive_int)
    ap.add_argument("--gqa", type=positive_int, default=DEFAULTS["gqa"])
    ap.add_argument("--causal", type=causal_arg, default=DEFAULTS["causal"])
    ap.add_argument("--direction", type=direction_arg, default=DEFAULTS["directions"])
    ap.add_argument("--iters", type=positive_int, default=DEFAULTS["iters"])
    ap.add_argument("--warmup", type=count, default=DEFAULTS["warmup"])
    ap.add_argument("--seed", type=positive_int, default=DEFAULTS["seed"])
    ap.add_argument("--json", help="write the flash-attn-bench/1 file here")
    ap.add_argument("--peers", type=peers_arg, default=list(PEERS), help="which SDPA backends (default cudnn,fa2)")
    ap.add_argument("--print-grid", action="store_true", help="print the grid as JSON and exit (no torch needed)")
    ap.add_argument("--dry-run", action="store_true", help="made-up times, no torch or GPU: for testing the file format")
    a = ap.parse_args(argv)
    for d in a.head_dims:
        if d % 8 != 0 or d > 256:
            ap.error(f"--head-dims must hold multiples of 8 up to 256, got {d}")
    return a


def expand_grid(a):
    """Every grid point, ordered direction, head dim, causal, seqlen (as grid.ts's expandGrid)."""
    out = []
    for direction in a.direction:
        for hd in a.head_dims:
            if a.heads is not None:
                heads = a.heads
            else:
                if a.hidden % hd != 0 or a.hidden < hd:
                    sys.exit(f"peers.py: --hidden {a.hidden} must be a multiple of every head dim, got head dim {hd}; or pass --heads")
                heads = a.hidden // hd
            if heads % a.gqa != 0:
                sys.exit(f"peers.py: --gqa {a.gqa} must divide the number of heads, got {heads} heads at head dim {hd}")
            for causal in a.causal:
                for s in a.seqlens:
                    batch = a.batch if a.batch is not None else max(1, a.tokens // s)
                    out.append(dict(dtype=a.dtype, direction=direction, headDim=hd, causal=causal, seqlen=s, seqlenK=s,
                                    batch=batch, heads=heads, headsKV=heads // a.gqa))
    return out


# ---- FLOPs, statistics (mirror flops.ts / stats.ts) ------------------------------------------

def visible_area(sq, sk, causal):
    if not causal:
        return sq * sk
    if sq <= sk:
        return sq * sk - sq * sq / 2
    return sk * sk / 2


def flops_of(c):
    f = 2 * c["batch"] * c["heads"] * visible_area(c["seqlen"], c["seqlenK"], c["causal"]) * (2 * c["headDim"])
    return {"fwd": f, "bwd": BACKWARD_FLOP_FACTOR * f, "fwd+bwd": (1 + BACKWARD_FLOP_FACTOR) * f}[c["direction"]]


def quantile(s, p):
    h = (len(s) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def summarize(samples):
    s = sorted(samples)
    n = len(s)
    mean = sum(s) / n
    var = sum((x - mean) ** 2 for x in s) / (n - 1) if n > 1 else 0.0
    return dict(n=n, median=quantile(s, 0.5), min=s[0], max=s[-1], mean=mean, stdev=math.sqrt(var),
                q1=quantile(s, 0.25), q3=quantile(s, 0.75))


def input_set_bytes(c):
    es = DTYPE_BYTES[c["dtype"]]
    q = c["batch"] * c["seqlen"] * c["heads"] * c["headDim"] * es
    kv = c["batch"] * c["seqlenK"] * c["headsKV"] * c["headDim"] * es
    if c["direction"] == "fwd":
        return 2 * q + 2 * kv
    return 4 * q + 4 * kv + c["batch"] * c["heads"] * c["seqlen"] * LSE_BYTES


def input_set_count(set_bytes, rotation_bytes):
    if set_bytes <= 0 or rotation_bytes is None:
        return 1
    return max(1, min(MAX_INPUT_SETS, math.ceil(rotation_bytes / set_bytes)))


def record(impl, backend, c, samples, sets, clock):
    r = dict(impl=impl, backend=backend, **{k: c[k] for k in ("dtype", "direction", "headDim", "causal", "seqlen",
                                                               "seqlenK", "batch", "heads", "headsKV")})
    r["flops"] = flops_of(c)
    r["inputSets"] = sets
    ms = summarize(samples)
    r["ms"] = ms
    r["spreadPct"] = 100 * (ms["q3"] - ms["q1"]) / ms["median"] if ms["median"] > 0 else 0.0
    r["tflops"] = dict(median=r["flops"] / ms["median"] / 1e9, best=r["flops"] / ms["min"] / 1e9)
    r["samplesMs"] = samples
    r["smClockMHz"] = clock
    return r


def failed(impl, backend, c, error):
    r = dict(impl=impl, backend=backend, **{k: c[k] for k in ("dtype", "direction", "headDim", "causal", "seqlen",
                                                               "seqlenK", "batch", "heads", "headsKV")})
    r.update(flops=flops_of(c), inputSets=0, ms=None, spreadPct=None, tflops=None, samplesMs=[], smClockMHz=None, error=error)
    return r


# ---- environment -----------------------------------------------------------------------------

def num_or_none(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def read_clocks(device=0):
    try:
        out = subprocess.run(["nvidia-smi", f"--query-gpu={CLOCK_QUERY}", "--format=csv,noheader,nounits", f"--id={device}"],
                             capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    line = next((l for l in out.splitlines() if l.strip()), None)
    if line is None:
        return None
    f = [None if (x.strip() == "" or x.strip().startswith("[") or x.strip() == "N/A") else x.strip() for x in line.split(",")]
    f += [None] * (8 - len(f))
    return dict(smMHz=num_or_none(f[0]), smMaxMHz=num_or_none(f[1]), memMHz=num_or_none(f[2]), memMaxMHz=num_or_none(f[3]),
                powerLimitW=num_or_none(f[4]), temperatureC=num_or_none(f[5]), pstate=f[6], driver=f[7])


def clock_sample(c):
    return None if c is None else {k: v for k, v in c.items() if k != "driver"}


def git_commit():
    if os.environ.get("FLASH_ATTN_COMMIT"):
        return os.environ["FLASH_ATTN_COMMIT"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                               text=True, timeout=5).stdout.strip() != ""
        return head.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def host_record(versions):
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return dict(hostname=socket.gethostname(), platform=f"{sys.platform}-{platform.machine()}", cpu=cpu,
                cpuCount=os.cpu_count() or 1, versions=versions)


# ---- timing ----------------------------------------------------------------------------------

class Progress:
    def __init__(self, total):
        self.total = total

    def done(self, i, c, r):
        what = (f"{c['direction']} hdim {c['headDim']} {'causal' if c['causal'] else 'non-causal'} seqlen {c['seqlen']} "
                f"batch {c['batch']} heads {c['heads']}")
        if r.get("tflops"):
            msg = f"{r['ms']['median']:.3f} ms, {r['tflops']['median']:.1f} TFLOP/s (spread {r['spreadPct']:.1f}%)"
        else:
            msg = f"failed: {r.get('error')}"
        print(f"[{i + 1}/{self.total}] {r['impl']} {what}: {msg}", file=sys.stderr, flush=True)


def run_torch(a, grid):
    try:
        import torch
        import torch.nn.functional as F
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError as e:
        sys.exit(f"peers.py: needs PyTorch 2.5 or newer with CUDA ({e}); --dry-run writes the file format without it")
    if not torch.cuda.is_available():
        sys.exit("peers.py: PyTorch sees no CUDA device")

    dev = torch.cuda.get_device_properties(0)
    l2 = getattr(dev, "L2_cache_size", 0) or 0
    rotation = L2_ROTATION_FACTOR * l2 if l2 else None
    tdtype = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}[a.dtype]
    clocks = read_clocks()
    smi = clocks is not None
    device = dict(kind="cuda", name=dev.name, computeCapability=f"{dev.major}.{dev.minor}", smCount=dev.multi_processor_count,
                  memoryBytes=dev.total_memory, l2Bytes=l2 or None, driver=clocks["driver"] if clocks else None,
                  cudaVersion=torch.version.cuda, clocksStart=clock_sample(clocks), clocksEnd=None)
    versions = dict(python=platform.python_version(), torch=torch.__version__, cudnn=str(torch.backends.cudnn.version()))
    gen = torch.Generator(device="cuda").manual_seed(a.seed)
    runs = []
    total = len(grid) * len(a.peers)
    progress = Progress(total)
    i = 0
    for c in grid:
        for peer in a.peers:
            backend = f"torch.sdpa {PEERS[peer]}"
            # SDPA says why a backend declines a shape in warnings; keep the first as the reason.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    samples, sets = time_point(torch, F, sdpa_kernel, getattr(SDPBackend, PEERS[peer]), c, tdtype, gen,
                                               rotation, a.warmup, a.iters)
                    clock = read_clocks()["smMHz"] if smi else None
                    r = record(peer, backend, c, samples, sets, clock)
                except (RuntimeError, ValueError, torch.cuda.OutOfMemoryError) as e:
                    why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                    if caught:
                        why += f" ({str(caught[0].message).strip().splitlines()[0]})"
                    r = failed(peer, backend, c, why)
            torch.cuda.empty_cache()
            runs.append(r)
            progress.done(i, c, r)
            i += 1
    device["clocksEnd"] = clock_sample(read_clocks()) if smi else None
    return device, versions, rotation, runs


def time_point(torch, F, sdpa_kernel, backend, c, tdtype, gen, rotation, warmup, iters):
    """Milliseconds of each timed run (CUDA events around each), and the number of input sets."""
    B, S, Sk, H, Hkv, D = c["batch"], c["seqlen"], c["seqlenK"], c["heads"], c["headsKV"], c["headDim"]
    backward = c["direction"] != "fwd"
    n_sets = input_set_count(input_set_bytes(c), rotation)
    gqa = {"enable_gqa": True} if Hkv != H else {}

    def randn(*dims):
        # [batch, seqlen, heads, headDim] in memory, as ours; SDPA gets the [batch, heads, seqlen, headDim] view.
        t = torch.randn(*dims, device="cuda", dtype=tdtype, generator=gen).transpose(1, 2)
        return t.requires_grad_(True) if backward else t

    sets = []
    for _ in range(n_sets):
        q, k, v = randn(B, S, H, D), randn(B, Sk, Hkv, D), randn(B, Sk, Hkv, D)
        dout = torch.randn(B, S, H, D, device="cuda", dtype=tdtype, generator=gen).transpose(1, 2) if backward else None
        sets.append((q, k, v, dout))

    with sdpa_kernel(backend):
        def attn(s):
            q, k, v, _ = s
            return F.scaled_dot_product_attention(q, k, v, is_causal=c["causal"], **gqa)

        if c["direction"] == "fwd":
            def run(i):
                with torch.no_grad():
                    attn(sets[i % n_sets])
        elif c["direction"] == "bwd":
            outs = [attn(s) for s in sets]

            def run(i):
                q, k, v, dout = sets[i % n_sets]
                torch.autograd.grad(outs[i % n_sets], (q, k, v), dout, retain_graph=True)
        else:
            def run(i):
                s = sets[i % n_sets]
                torch.autograd.grad(attn(s), s[:3], s[3])

        for i in range(warmup):
            run(i)
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
        for i in range(iters):
            starts[i].record()
            run(warmup + i)
            ends[i].record()
        torch.cuda.synchronize()
    return [s.elapsed_time(e) for s, e in zip(starts, ends)], n_sets


def run_dry(a, grid):
    """Made-up times from a fixed rate, for testing the file format where there is no GPU."""
    device = dict(kind="cpu", name="dry run (no GPU; times are made up)", computeCapability=None, smCount=None,
                  memoryBytes=None, l2Bytes=None, driver=None, cudaVersion=None, clocksStart=None, clocksEnd=None)
    rates = {"cudnn": 500e12, "fa2": 330e12}
    runs = []
    for c in grid:
        for peer in a.peers:
            base = flops_of(c) / rates[peer] * 1e3
            samples = [base * (1 + 0.01 * ((7 * j) % 5)) for j in range(a.iters)]
            runs.append(record(peer, f"dry run of torch.sdpa {PEERS[peer]}", c, samples, 1, None))
    return device, dict(python=platform.python_version()), None, runs


def main(argv):
    a = parse_args(argv)
    grid = expand_grid(a)
    if a.print_grid:
        print(json.dumps(grid, indent=1))
        return 0
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    t0 = time.time()
    device, versions, rotation, runs = (run_dry if a.dry_run else run_torch)(a, grid)
    out = dict(schema=SCHEMA, tool="bench/peers.py (PyTorch SDPA)", date=date, commit=git_commit(), host=host_record(versions),
               device=device, settings=dict(warmup=a.warmup, iters=a.iters, timer="cuda-events", rotationBytes=rotation,
                                            seed=a.seed, argv=["bench/peers.py"] + list(argv)), runs=runs)
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print(f"wrote {a.json} ({len(runs)} runs in {time.time() - t0:.0f} s)", file=sys.stderr)
    else:
        json.dump(out, sys.stdout, indent=1)
    return 0 if any(r["tflops"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
