/**
 * Scalar math shared by the CPU ops and the float64 references: erf (JavaScript has none), GELU, SiLU.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
/** erf(6) rounds to 1 in float64 (erfc(6) ~ 2e-17). */
const ERF_SATURATION = 6;
const INV_SQRT2 = Math.SQRT1_2;

/**
 * erf(x) to about 1e-16 relative error: erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1*3*...*(2n+1)).
 * Every term is positive, so the sum has no cancellation (unlike the alternating Taylor series).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax >= ERF_SATURATION) return Math.sign(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

/** Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))), PyTorch's nn.GELU() default. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * INV_SQRT2));
}

/** SiLU (swish): x * sigmoid(x). */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}
