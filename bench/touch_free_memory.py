"""touch_free_memory.py -- writes once to (almost) all free memory, then frees it.

    python bench/touch_free_memory.py [--leave-gb 2]

On this benchmark's VMs the hypervisor backs guest memory lazily: the first
write to a guest page after boot costs ~0.35 GB/s, a later one ~3-4 GB/s
(measured: 1 GB written into a fresh ext4 file, 2.8 s, then again, 0.25 s).
Whichever process first touches fresh pages pays that, so a 1B-parameter run,
which allocates GBs, is charged for the machine's age. Running this once
before a measurement removes that effect for both tools alike; docs/
PERFORMANCE.md says which rows were taken after it. It is not part of
bench/run.sh: the default run measures the machine as it is.
"""

from __future__ import annotations

import argparse
import mmap
import time


def free_kb() -> int:
    with open("/proc/meminfo") as f:
        info = dict(line.split(":", 1) for line in f)
    return int(info["MemFree"].split()[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leave-gb", type=float, default=2.0,
                    help="free memory left untouched (GB), so nothing else is starved")
    a = ap.parse_args()
    size = max(0, free_kb() * 1024 - int(a.leave_gb * 2**30))
    page = mmap.PAGESIZE
    t = time.perf_counter()
    m = mmap.mmap(-1, size)
    for off in range(0, size, page):
        m[off] = 1
    m.close()
    dt = time.perf_counter() - t
    print(f"touch_free_memory: {size / 2**30:.1f} GB in {dt:.1f} s "
          f"({size / 2**30 / dt:.2f} GB/s)")


if __name__ == "__main__":
    main()
