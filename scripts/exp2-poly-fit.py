#!/usr/bin/env python3
"""Coefficients of the polynomial exp2 of kernels/common/fast_math.cuh (ex2Poly), and its error.

2^x for x <= 0 is split as 2^r * 2^f with r = round(x) (an integer, taken with the 1.5 * 2^23
addition trick) and f = x - r in [-0.5, 0.5]; 2^f is a polynomial of degree 3 or 4 whose
coefficients (the constant term fixed at 1) minimize the largest relative error on that interval. The kernel evaluates it by Horner's rule in float32, so the coefficients are rounded to
float32 and the error is measured again on a float32 simulation of the whole sequence of
operations (numpy float32 arithmetic, one rounding per operation as on the GPU; ptxas may contract
the multiply-adds to FFMA, which only lowers the error).

Usage: python3 scripts/exp2-poly-fit.py   (prints the coefficients as C++ and the errors)
"""
import numpy as np


def fit_relative(degree, iterations=3000):
    """2^f ~ 1 + f q(f) on [-0.5, 0.5], q of degree - 1, minimizing the largest relative error.

    The constant term is fixed at 1 so that f = 0 (a row's maximum) gives exactly 1, as the MUFU's
    ex2 does: the rounded P of that key is then exact (kernels/NOTES.md, session 6, on why that
    matters for the acceptance rule). The relative error is |f| |q(f) - (2^f - 1) / f| / 2^f; Lawson's
    algorithm (iteratively reweighted least squares on a dense grid) converges to its minimax.
    """
    grid = np.linspace(-0.5, 0.5, 20001)
    grid = grid[np.abs(grid) > 1e-9]
    target = (2.0**grid - 1.0) / grid
    weight = np.abs(grid) / 2.0**grid
    v = grid[:, None] ** np.arange(degree)
    lw = np.full(grid.size, 1.0 / grid.size)
    for _ in range(iterations):
        sw = np.sqrt(lw) * weight
        q, *_ = np.linalg.lstsq(v * sw[:, None], target * sw, rcond=None)
        err = np.abs((v @ q - target) * weight)
        lw = lw * err
        lw /= lw.sum()
    return np.concatenate([[1.0], q])


def simulate_f32(x, coeffs32):
    """The kernel's sequence in float32: clamp, round by the 1.5 * 2^23 trick, Horner, 2^r by bits."""
    f32 = np.float32
    magic = f32(12582912.0)
    x = np.maximum(x.astype(np.float32), f32(-127.0))
    t = (x + magic).astype(np.float32)
    r = (t - magic).astype(np.float32)
    f = (x - r).astype(np.float32)
    p = np.full_like(f, coeffs32[-1])
    for c in coeffs32[-2::-1]:
        p = (p * f + c).astype(np.float32)
    tbits = t.view(np.uint32).astype(np.uint64)
    scale_bits = ((tbits << np.uint64(23)) + np.uint64(127 << 23)) & np.uint64(0xFFFFFFFF)
    scale = scale_bits.astype(np.uint32).view(np.float32)
    return (p * scale).astype(np.float32)


def main():
    for degree in (3, 4):
        c = fit_relative(degree)
        c32 = c.astype(np.float32)
        grid = np.linspace(-0.5, 0.5, 400001)
        exact_err = np.max(np.abs(np.polyval(c[::-1], grid) / 2.0**grid - 1.0))
        # Every float32 in [-30, 0] at a stride, plus the ends of the range.
        xs = np.concatenate([np.linspace(-30.0, 0.0, 3000001), np.linspace(-126.0, -30.0, 200001)]).astype(np.float32)
        got = simulate_f32(xs, c32).astype(np.float64)
        want = 2.0 ** xs.astype(np.float64)
        rel = np.abs(got / want - 1.0)
        print(f"degree {degree}: minimax relative error {exact_err:.3e}; float32 simulation on [-126, 0]: max {rel.max():.3e}, mean {rel.mean():.3e}")
        print("  coefficients (c0 + c1 f + ...):", ", ".join(f"{float(v):.9e}f" for v in c32))
        special = simulate_f32(np.array([-np.inf, -1000.0, -127.0, -126.6, 0.0, np.nan], dtype=np.float32), c32)
        print("  at -inf, -1000, -127, -126.6, 0, NaN:", special)
    print("for scale: half an ulp of bfloat16 is 2^-9 = 1.95e-3 relative, of float16 2^-12 = 2.44e-4")


if __name__ == "__main__":
    main()
