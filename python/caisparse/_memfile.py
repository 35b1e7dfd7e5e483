"""An anonymous in-memory file (Linux ``memfd``) that the bridge writes a
program into and then reads in place: MLIR 22 streams bytecode into it, the C
library maps it and borrows the weights, or the C library streams into it and
MLIR 22 parses it by path.  No ``bytes`` copy of the whole program is made on
either side, which is what a ``BytesIO`` plus ``getvalue()`` (two copies) or
``ctypes.string_at`` (one) cost.

Where ``os.memfd_create`` does not exist (not Linux), ``available()`` is
False and the bridge falls back to bytes in memory.

Memory accounting: a memfd's pages are shared memory.  They count in the
process's RSS while it maps them (``MemFile.map``, or MLIR's own mapping when
it parses ``MemFile.path``); in between they are held by the file alone.
"""

from __future__ import annotations

import ctypes
import mmap
import os

_MADV_POPULATE_READ = getattr(mmap, "MADV_POPULATE_READ", 22)  # Linux's value


def available() -> bool:
    """Return whether in-memory files exist on this system.

    Returns
    -------
    bool
        True on Linux with ``os.memfd_create``.
    """
    return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")


class MemFile:
    """One memfd: write it through ``writer()`` or its ``fd``, then ``map()``
    it or hand ``path`` to a reader; ``close()`` frees the memory.

    Parameters
    ----------
    name : str
        Shown in ``/proc/PID/fd`` listings (debugging only).
    """

    def __init__(self, name: str) -> None:
        self.fd = os.memfd_create(name, os.MFD_CLOEXEC)
        self._map: mmap.mmap | None = None
        self._anchor: ctypes.Array | None = None

    @property
    def path(self) -> str:
        """A path that opens this file (``/proc/self/fd/N``) in this process."""
        return f"/proc/self/fd/{self.fd}"

    def writer(self):
        """Return a buffered binary file object writing at the current offset;
        closing it leaves the memfd open."""
        return os.fdopen(self.fd, "wb", closefd=False)

    def size(self) -> int:
        """Return the file's size in bytes."""
        return os.fstat(self.fd).st_size

    def map(self) -> tuple[int, int]:
        """Map the whole file (once) and return ``(address, size)``.

        The mapping is private and writable only so that ctypes can take its
        address; nothing writes to it, so no page is ever copied.

        Returns
        -------
        tuple of (int, int)
            The address of the first byte and the size.
        """
        if self._map is None:
            size = self.size()
            if size == 0:
                raise ValueError("cannot map an empty in-memory file")
            self._map = mmap.mmap(self.fd, size, access=mmap.ACCESS_COPY)
            try:
                # Map every page at once (read-only, no copy): the C library
                # reads all the weights, and one call is cheaper than a fault
                # per page.  Linux >= 5.14; older kernels fault as they go.
                self._map.madvise(_MADV_POPULATE_READ)
            except (OSError, ValueError):
                pass
            self._anchor = (ctypes.c_char * size).from_buffer(self._map)
        return ctypes.addressof(self._anchor), len(self._map)

    def view(self) -> memoryview:
        """Return a read-only view of the mapped bytes (maps them if needed)."""
        self.map()
        assert self._map is not None
        return memoryview(self._map).toreadonly()

    def close(self) -> None:
        """Unmap and close (safe to call twice).  Views from ``view()`` must
        be released first."""
        self._anchor = None  # the ctypes export must go before the mapping
        if self._map is not None:
            self._map.close()
            self._map = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> "MemFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
