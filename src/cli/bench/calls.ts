/**
 * The attention calls a benchmark times, through the public API exactly as a user makes them:
 * forward with a preallocated `out`; backward (once the library has flashAttnBackward) from a
 * saved out/lse; forward then backward.
 */
import type { Stream } from '../../cuda/index.js';
import * as lib from '../../attention/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Direction } from './flops.js';
import type { RunFn } from './timing.js';

/** flashAttnBackward as DESIGN.md declares it. */
export type BackwardFn = (
  dout: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  out: Tensor,
  lse: Tensor,
  opts?: { causal?: boolean; stream?: Stream },
) => { dq: Tensor; dk: Tensor; dv: Tensor };

/** The library's backward, or undefined while the library has none. */
export function backwardFunction(): BackwardFn | undefined {
  const f = (lib as Record<string, unknown>).flashAttnBackward;
  return typeof f === 'function' ? (f as BackwardFn) : undefined;
}

/** The error for a backward direction while the library has no backward. */
export function checkDirectionAvailable(direction: Direction): void {
  if (direction !== 'fwd' && !backwardFunction()) {
    throw new Error(`--direction ${direction} needs flashAttnBackward, which this version of the library does not have yet (forward only)`);
  }
}

/** One input set: views or tensors the caller owns; `out` is written by every forward. */
export interface InputSet {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  out: Tensor;
  /** Upstream gradient, q's dims; backward directions only. */
  dout?: Tensor;
}

/**
 * The run function for `direction`, rotating through `sets` (run i uses set i mod n). Tensors it
 * makes once up front (saved LSEs for 'bwd') are pushed onto `owned` for the caller to dispose.
 */
export function makeRun(direction: Direction, sets: readonly InputSet[], causal: boolean, stream: Stream | undefined, owned: Tensor[]): RunFn {
  const n = sets.length;
  if (direction === 'fwd') {
    return (i) => {
      const s = sets[i % n]!;
      lib.flashAttnFunc(s.q, s.k, s.v, { causal, out: s.out, stream });
    };
  }
  checkDirectionAvailable(direction);
  const bwd = backwardFunction()!;
  if (direction === 'bwd') {
    const lses = sets.map((s) => lib.flashAttnFunc(s.q, s.k, s.v, { causal, out: s.out, stream, returnLse: true }).lse);
    owned.push(...lses);
    return (i) => {
      const s = sets[i % n]!;
      const g = bwd(s.dout!, s.q, s.k, s.v, s.out, lses[i % n]!, { causal, stream });
      for (const t of [g.dq, g.dk, g.dv]) t.dispose();
    };
  }
  return (i) => {
    const s = sets[i % n]!;
    const { lse } = lib.flashAttnFunc(s.q, s.k, s.v, { causal, out: s.out, stream, returnLse: true });
    const g = bwd(s.dout!, s.q, s.k, s.v, s.out, lse, { causal, stream });
    for (const t of [lse, g.dq, g.dk, g.dv]) t.dispose();
  };
}
