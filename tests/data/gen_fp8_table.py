#!/usr/bin/env python3
"""Generates fp8_from_f16.bin: ml_dtypes' cast of every binary16 bit pattern
to float8_e4m3fn and float8_e5m2 (the reference for tests/unit/test_float_formats.c).

Reproduce (numpy and ml_dtypes installed; ml_dtypes 0.6.0 was used):
    python3 tests/data/gen_fp8_table.py tests/data/fp8_from_f16.bin

Layout: 131072 bytes.  Bytes [0, 65536): float8_e4m3fn encoding of the f16
with bit pattern i (i = 0..65535); bytes [65536, 131072): float8_e5m2.
"""
import sys

import ml_dtypes
import numpy as np


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "fp8_from_f16.bin"
    np.seterr(invalid="ignore")  # NaN and infinity inputs are part of the table
    halves = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    e4m3 = halves.astype(ml_dtypes.float8_e4m3fn).view(np.uint8)
    e5m2 = halves.astype(ml_dtypes.float8_e5m2).view(np.uint8)
    with open(out, "wb") as f:
        f.write(e4m3.tobytes())
        f.write(e5m2.tobytes())


if __name__ == "__main__":
    main()
