#!/usr/bin/env python3
"""FlashAttention-3 as a measured peer of `flash-attn bench`: runs bench/fa3/fa3_bench (built by
bench/fa3/build.sh) over the grid of bench/peers.py, timed as peers.py times the SDPA peers, and
writes the same flash-attn-bench/1 file, impl "fa3". So bench/compare.sh can put FlashAttention-3
in the same run as ours and cuDNN instead of beside figures recorded on another day and card.

    python3 bench/fa3/fa3_peer.py --bin .device-build/fa3_bench [grid flags as peers.py] --json FILE

FlashAttention-3 is built for bfloat16 forward only (build.sh), at the head dims the binary was
built with, with as many KV heads as query heads; a grid point outside that is written as a failed
run with the reason, as peers.py writes a shape a backend declines. Before timing, fa3_bench checks
a small dense and causal problem of each head dim against float64; if that fails, nothing is timed
and this exits non-zero.
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import peers  # noqa: E402  (bench/peers.py: the grid, the record format, the clocks)


def split_args(argv):
    """--bin PATH is ours; everything else is peers.py's grid flags (and --json)."""
    binary, rest, i = None, [], 0
    while i < len(argv):
        if argv[i] == "--bin" and i + 1 < len(argv):
            binary = argv[i + 1]
            i += 2
        elif argv[i].startswith("--bin="):
            binary = argv[i][6:]
            i += 1
        else:
            rest.append(argv[i])
            i += 1
    return binary, rest


def why_not(c, built):
    if c["dtype"] != "bfloat16":
        return f"the FlashAttention-3 bench is built for bfloat16 only, not {c['dtype']}"
    if c["direction"] != "fwd":
        return "the FlashAttention-3 bench times the forward only"
    if c["headDim"] not in built:
        return f"head dim {c['headDim']} is not built into the FlashAttention-3 bench (built: {built})"
    if c["headsKV"] != c["heads"]:
        return "the FlashAttention-3 bench runs as many KV heads as query heads"
    if c["seqlenK"] != c["seqlen"]:
        return "the FlashAttention-3 bench runs seqlenK == seqlen"
    return None


def main(argv):
    binary, rest = split_args(argv)
    if not binary or not os.access(binary, os.X_OK):
        sys.exit(f"fa3_peer.py: --bin must name the built bench/fa3/fa3_bench (bench/fa3/build.sh), got {binary!r}")
    a = peers.parse_args(rest)
    grid = peers.expand_grid(a)
    built = [int(x) for x in subprocess.run([binary, "--built"], capture_output=True, text=True, check=True).stdout.split()]
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    t0 = time.time()
    clocks = peers.read_clocks()
    runnable = [c for c in grid if why_not(c, built) is None]
    cmd = [binary, f"--warmup={a.warmup}", f"--iters={a.iters}"]
    cmd += [f"--point={c['headDim']},{int(c['causal'])},{c['seqlen']},{c['batch']},{c['heads']}" for c in runnable]
    # One process for every point, so the GPU stays as busy between points as it does for peers.py.
    raw, header, error = {}, "", None
    if runnable:
        p = subprocess.run(cmd, capture_output=True, text=True)
        for line in p.stdout.splitlines():
            f = line.split()
            if f and f[0] == "raw":
                hd, causal, s, batch, heads, sets = (int(x) for x in f[1:7])
                samples = [float(x) for x in f[7:]]
                raw[(hd, bool(causal), s, batch, heads)] = (sets, samples)
                med = peers.summarize(samples)["median"]
                flops = peers.flops_of(dict(batch=batch, heads=heads, seqlen=s, seqlenK=s, causal=bool(causal), headDim=hd,
                                            direction="fwd"))
                line = f"fa3 hdim {hd} causal {bool(causal)} seqlen {s}: {med:.4f} ms, {flops / med / 1e9:.1f} TFLOP/s"
            elif line.startswith("device "):
                header = line
            print(line, file=sys.stderr)
        sys.stderr.write(p.stderr)
        if p.returncode != 0:
            error = f"fa3_bench exited with {p.returncode}"
    # "device NAME, N SMs, L2 B bytes, CUDA X.Y; FlashAttention-3 REV" (fa3_bench's first line)
    m = re.match(r"device (.*), (\d+) SMs, L2 (\d+) bytes, CUDA (\S+); FlashAttention-3 (\S+)", header)
    name, sms, l2, cuda, rev = ((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)) if m
                                else ("unknown", None, None, None, "unknown"))
    backend = f"FlashAttention-3 {rev} (bench/fa3/fa3_bench)"
    runs = []
    for c in grid:
        reason = why_not(c, built)
        got = raw.get((c["headDim"], c["causal"], c["seqlen"], c["batch"], c["heads"]))
        if reason is None and got is not None:
            runs.append(peers.record("fa3", backend, c, got[1], got[0], None))
        else:
            runs.append(peers.failed("fa3", backend, c, reason or error or "fa3_bench printed no timing for this point"))
    clocks_end = peers.read_clocks()
    device = dict(kind="cuda", name=name, computeCapability="9.0", smCount=sms, memoryBytes=None, l2Bytes=l2,
                  driver=clocks["driver"] if clocks else None, cudaVersion=cuda,
                  clocksStart=peers.clock_sample(clocks), clocksEnd=peers.clock_sample(clocks_end))
    out = dict(schema=peers.SCHEMA, tool="bench/fa3/fa3_peer.py (FlashAttention-3)", date=date, commit=peers.git_commit(),
               host=peers.host_record(dict(python=platform.python_version(), fa3=rev)), device=device,
               settings=dict(warmup=a.warmup, iters=a.iters, timer="cuda-events", rotationBytes=peers.L2_ROTATION_FACTOR * l2 if l2 else None, seed=a.seed,
                             argv=["bench/fa3/fa3_peer.py"] + list(argv)),
               runs=runs)
    text = json.dumps(out, indent=1) + "\n"
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            f.write(text)
        print(f"wrote {a.json} ({sum(1 for r in runs if r['tflops'])} of {len(runs)} points timed in {time.time() - t0:.0f} s)",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0 if error is None and any(r["tflops"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
