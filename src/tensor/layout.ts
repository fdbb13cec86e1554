/**
 * Stride arithmetic shared by tensors and views: row-major strides, element products, walking a
 * strided view, and whether new dims can view old strides without a copy.
 */

export function contiguousStrides(dims: readonly number[]): number[] {
  const strides = zeros(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(dims[i]!, 1);
  }
  return strides;
}

/**
 * n zeros in an array V8 keeps "packed". One made by new Array(n) stays "holey" for good (reads
 * then check for holes), and tensors keep the strides arrays made here rather than copies.
 */
function zeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Calls `fn` with the storage offset of every element, in row-major order. */
export function forEachOffset(
  dims: readonly number[],
  strides: readonly number[],
  offset: number,
  fn: (storageOffset: number) => void,
): void {
  const n = product(dims);
  if (n === 0) return;
  const nd = dims.length;
  const idx = new Array<number>(nd).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    fn(pos);
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      pos += strides[k]!;
      if (idx[k]! < dims[k]!) break;
      pos -= strides[k]! * dims[k]!;
      idx[k] = 0;
    }
  }
}

/** Strides for viewing (dims, strides) as `want`, or undefined when a copy is needed. */
export function viewStrides(dims: readonly number[], strides: readonly number[], want: readonly number[]): number[] | undefined {
  // Drop size-1 dims, then match groups of old dims whose product equals groups of new dims; each
  // old group must be contiguous within itself.
  const od = dims.map((d, i) => [d, strides[i]!] as const).filter(([d]) => d !== 1);
  const out = zeros(want.length);
  let oi = 0;
  let wi = 0;
  while (wi < want.length || oi < od.length) {
    // size-1 new dims get any stride
    if (wi < want.length && want[wi] === 1) {
      out[wi] = 1;
      wi++;
      continue;
    }
    if (oi >= od.length || wi >= want.length) return want.slice(wi).every((d) => d === 1) && oi >= od.length ? out : undefined;
    let oldProd = od[oi]![0];
    const groupStart = oi;
    let newProd = want[wi]!;
    const newStart = wi;
    while (oldProd !== newProd) {
      if (oldProd < newProd) {
        oi++;
        if (oi >= od.length) return undefined;
        oldProd *= od[oi]![0];
      } else {
        wi++;
        if (wi >= want.length) return undefined;
        newProd *= want[wi]!;
      }
    }
    for (let k = groupStart; k < oi; k++) {
      if (od[k]![1] !== od[k + 1]![1] * od[k + 1]![0]) return undefined;
    }
    let s = od[oi]![1];
    for (let k = wi; k >= newStart; k--) {
      out[k] = s;
      s *= want[k]!;
    }
    oi++;
    wi++;
  }
  return out;
}
