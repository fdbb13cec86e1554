#!/usr/bin/env python3
"""PyTorch peer of `flash-attn bench --model`: the same SimpleTransformer in PyTorch eager, its
attention through scaled_dot_product_attention pinned to the cuDNN backend, timed with CUDA events.

Architecture (src/nn/transformer.ts): token embedding, `layers` pre-norm blocks
(x + proj(attn(qkv(LayerNorm(x)))), then x + down(GELU(up(LayerNorm(x))))), final LayerNorm, a Linear
head to vocabulary logits; qkv is one Linear viewed as [batch, seqlen, 3, heads, headDim]. Weights in
the given dtype, random (timing does not depend on their values).

Prints one JSON object on the last line of stdout:
  {"torch": ..., "cudnn": ..., "device": ..., "backend": "cudnn", "rows": [{"seqlen", "medianMs", "msAll"}]}
"""
import argparse
import json
import statistics
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


class Block(nn.Module):
    def __init__(self, embed, heads, mlp_ratio, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.norm1 = nn.LayerNorm(embed)
        self.qkv = nn.Linear(embed, 3 * embed)
        self.proj = nn.Linear(embed, embed)
        self.norm2 = nn.LayerNorm(embed)
        self.up = nn.Linear(embed, mlp_ratio * embed)
        self.down = nn.Linear(mlp_ratio * embed, embed)

    def forward(self, x):
        b, s, e = x.shape
        qkv = self.qkv(self.norm1(x)).view(b, s, 3, self.heads, e // self.heads)
        q, k, v = (t.transpose(1, 2) for t in qkv.unbind(2))  # [b, heads, s, headDim], strided views
        o = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        x = x + self.proj(o.transpose(1, 2).reshape(b, s, e))
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class SimpleTransformer(nn.Module):
    def __init__(self, vocab, embed, heads, layers, mlp_ratio, causal):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.blocks = nn.ModuleList(Block(embed, heads, mlp_ratio, causal) for _ in range(layers))
        self.norm_out = nn.LayerNorm(embed)
        self.head = nn.Linear(embed, vocab)

    def forward(self, ids):
        x = self.embedding(ids)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm_out(x))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seqlens", default="1024,2048,4096,8192,16384")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--embed", type=int, default=2048)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--mlp-ratio", type=int, default=4)
    p.add_argument("--causal", type=int, default=1)
    p.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16"])
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--iters", type=int, default=10)
    a = p.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"error": "torch sees no CUDA device"}))
        return 1
    torch.manual_seed(0)
    dtype = getattr(torch, a.dtype)
    model = SimpleTransformer(a.vocab, a.embed, a.heads, a.layers, a.mlp_ratio, bool(a.causal)).to("cuda", dtype).eval()
    rows = []
    with torch.inference_mode(), sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
        for s in [int(x) for x in a.seqlens.split(",")]:
            ids = torch.randint(0, a.vocab, (a.batch, s), device="cuda")
            for _ in range(a.warmup):
                model(ids)
            times = []
            for _ in range(a.iters):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                model(ids)
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
            rows.append({"seqlen": s, "medianMs": statistics.median(times), "msAll": times})
            print(f"peer seqlen {s}: {statistics.median(times):.2f} ms", file=sys.stderr, flush=True)
    print(json.dumps({
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "device": torch.cuda.get_device_name(0),
        "backend": "cudnn",
        "rows": rows,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
