#!/usr/bin/env python3
"""Compares the machine code of two cubins: every section whose name starts with .text (one per
kernel), byte for byte. Line info, PTX and the other sections may differ (a header edit moves
line numbers); the SASS may not. For checking that a change behind a template flag leaves the
production kernels untouched:

    python3 scripts/cubin-text-diff.py before.cubin dist/kernels/attn_fwd_sm90.cubin

Exit status 0 when both have the same .text sections with the same bytes, 1 otherwise.
"""
import struct
import sys


def text_sections(path):
    """{name: bytes} of the .text* sections of a 64-bit little-endian ELF file."""
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = []
    for i in range(shnum):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size
        name, kind, _, _, offset, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        headers.append((name, kind, offset, size))
    strtab = headers[shstrndx]
    out = {}
    for name, kind, offset, size in headers:
        end = data.index(b"\0", strtab[2] + name)
        label = data[strtab[2] + name:end].decode()
        if label.startswith(".text"):
            out[label] = data[offset:offset + size] if kind != 8 else b""  # 8: SHT_NOBITS
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = text_sections(sys.argv[1]), text_sections(sys.argv[2])
    same = True  # the common sections
    only = 0
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            print(f"only in {'the second' if name not in a else 'the first'}: {name}")
            only += 1
        elif a[name] != b[name]:
            print(f"differs: {name} ({len(a[name])} vs {len(b[name])} bytes)")
            same = False
    common = len(set(a) & set(b))
    print(f"{common} common .text sections, {'all identical' if same else 'NOT identical'}"
          + (f"; {only} in one file only" if only else ""))
    sys.exit(0 if same and not only else 1)


if __name__ == "__main__":
    main()
