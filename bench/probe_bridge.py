"""An alternative for the bridge's first step, measured: MLIR 22's
write_bytecode into a BytesIO (what caisparse.bridge does) against into a
memfd that the C library could read in place (mmap).

    python bench/probe_bridge.py bytesio|memfd PROGRAM.aimodel

Prints the seconds of the write and the process's peak RSS before and after.
One variant per process, so each peak is its own.
"""

from __future__ import annotations

import io
import mmap
import os
import resource
import sys
import time


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    how, path = sys.argv[1], sys.argv[2]
    from caisparse import _coreai, locations
    from coreai.authoring import AIModelAsset
    core = _coreai.require()
    module = AIModelAsset.load(path).program._module._mlir_module  # noqa: SLF001
    locations.swap(module, core)
    before = peak_mb()
    t = time.perf_counter()
    if how == "bytesio":
        buf = io.BytesIO()
        module.operation.write_bytecode(buf, desired_version=4)
        data = buf.getvalue()
    else:
        fd = os.memfd_create("bridge")
        with os.fdopen(fd, "wb", closefd=False) as f:
            module.operation.write_bytecode(f, desired_version=4)
        data = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    s = time.perf_counter() - t
    print(f"{how}: write_bytecode {s:.3f} s, {len(data) / 1e6:.0f} MB, "
          f"peak RSS {before:.0f} -> {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
