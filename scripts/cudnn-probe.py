# cuDNN (PyTorch SDPA) timed as attn_fwd_sm90_check --bench times ours (scripts/sm90-power.sh): sustained
# (samples of 8 back-to-back launches) or isolated (gap > 0: one launch per sample after gap ms idle).
#   python3 scripts/cudnn-probe.py HEAD_DIM SEQLEN CAUSAL(0|1) SAMPLES GAP_MS     (3 rotating input sets)
import sys, time, torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
hd, S, causal, samples, gap = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4]), int(sys.argv[5])
H, B = 2048 // hd, 16384 // S
sets = [[torch.randn(B, H, S, hd, device="cuda", dtype=torch.bfloat16) for _ in range(3)] for _ in range(3)]
def call(i):
    q, k, v = sets[i % 3]
    return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
    t0 = time.time()
    i = 0
    while time.time() - t0 < 0.3:
        call(i); i += 1
        if i % 4 == 0: torch.cuda.synchronize()
    torch.cuda.synchronize()
    ms = []
    batch = 1 if gap else 8
    for s in range(samples):
        if gap: time.sleep(gap / 1000)
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for j in range(batch): call(s * batch + j)
        b.record(); b.synchronize()
        ms.append(a.elapsed_time(b) / batch)
ms.sort(); med = ms[len(ms) // 2]
fl = 4 * B * H * S * S * hd / (2 if causal else 1)
print(f"cudnn hd{hd} seqlen {S} causal {int(causal)} samples {samples} gap {gap}: {med:.3f} ms {fl / med / 1e9:.1f} TFLOP/s (min {ms[0]:.3f} max {ms[-1]:.3f})")
