"""A ``cais_program`` handle: reading and writing programs through the C
library."""

from __future__ import annotations

import ctypes
import os
import tempfile

from caisparse import _clib, _memfile


class CProgram(_clib.OwnedHandle):
    """Owns one ``cais_program *`` and destroys it on ``close``."""

    def __init__(self, handle: ctypes.c_void_p, keepalive: object | None = None) -> None:
        self._handle = handle
        # What the program reads in place (cais_program_read_memory_borrowed),
        # bytes or a MemFile: it must outlive the handle, and every program
        # made from it.  A MemFile is closed with the program.
        self._keepalive = keepalive

    @property
    def handle(self) -> ctypes.c_void_p:
        """The raw ``cais_program *``."""
        if not self._handle:
            raise ValueError("the program is closed")
        return self._handle

    @classmethod
    def from_bytes(cls, data: bytes, source_name: str = "caisparse",
                   borrow: bool = False) -> "CProgram":
        """Read a program (MLIR 19 text or bytecode) from memory.

        Parameters
        ----------
        data : bytes
            The program.
        source_name : str
            Appears in messages and locations.
        borrow : bool, optional
            Read bytecode in place instead of copying it: the weights stay in
            ``data``, which this object then keeps alive.  A program made from
            this one (sparsified without ``in_place``) shares those bytes, so
            keep this object until that one is closed too.

        Returns
        -------
        CProgram
            The program.

        Raises
        ------
        CaisError
            When the bytes are not a program MLIR 19 reads.
        """
        lib = _clib.load()
        read = lib.cais_program_read_memory_borrowed if borrow else lib.cais_program_read_memory
        return cls(_read(read, data, len(data), source_name), data if borrow else None)

    @classmethod
    def from_memfile(cls, memfile: _memfile.MemFile, source_name: str = "caisparse"
                     ) -> "CProgram":
        """Read a program from an in-memory file in place (borrowed): the
        weights stay in ``memfile``'s mapping, which this object then owns and
        closes when it closes.  Use it only for programs sparsified in place.

        Parameters
        ----------
        memfile : caisparse._memfile.MemFile
            Holds MLIR 19 bytecode or text.
        source_name : str
            Appears in messages and locations.

        Returns
        -------
        CProgram
            The program.

        Raises
        ------
        CaisError
            When the bytes are not a program MLIR 19 reads.
        """
        address, size = memfile.map()
        read = _clib.load().cais_program_read_memory_borrowed
        return cls(_read(read, address, size, source_name), memfile)

    def write_fd(self, fd: int, fmt: int = _clib.FORMAT_BYTECODE) -> None:
        """Write the program into an open file descriptor, streaming
        (``cais_program_write_fd``): no copy of the whole program is held.

        Parameters
        ----------
        fd : int
            Written from its current offset; left open.
        fmt : int
            ``_clib.FORMAT_BYTECODE`` or ``_clib.FORMAT_TEXT``.

        Raises
        ------
        CaisError
            When a write fails.
        """
        err = _clib.Error()
        _clib.check(_clib.load().cais_program_write_fd(self.handle, fd, fmt, ctypes.byref(err)),
                    err)

    def to_bytes(self, fmt: int = _clib.FORMAT_BYTECODE) -> bytes:
        """Write the program to memory.

        Uses ``cais_program_write_memory`` when the library has it, else a
        temporary file.

        Parameters
        ----------
        fmt : int
            ``_clib.FORMAT_BYTECODE`` or ``_clib.FORMAT_TEXT``.

        Returns
        -------
        bytes
            The program.
        """
        lib = _clib.load()
        err = _clib.Error()
        if _clib.has_write_memory():
            data = ctypes.c_void_p()
            size = ctypes.c_size_t()
            _clib.check(lib.cais_program_write_memory(self.handle, fmt, ctypes.byref(data),
                                                      ctypes.byref(size), ctypes.byref(err)), err)
            try:
                return ctypes.string_at(data, size.value)
            finally:
                lib.cais_free(data)
        with tempfile.TemporaryDirectory(prefix="caisparse-") as tmp:
            path = os.path.join(tmp, "program.mlirbc")
            self.write_file(path, fmt)
            with open(path, "rb") as f:
                return f.read()

    def write_file(self, path: str, fmt: int = _clib.FORMAT_SAME) -> None:
        """Write the program to ``path`` atomically.

        Parameters
        ----------
        path : str
            Where to write.
        fmt : int
            A ``_clib.FORMAT_*`` value.
        """
        err = _clib.Error()
        _clib.check(_clib.load().cais_program_write_file(self.handle, os.fsencode(path), fmt,
                                                         ctypes.byref(err)), err)

    def _release(self, handle: ctypes.c_void_p) -> None:
        _clib.load().cais_program_destroy(handle)
        if isinstance(self._keepalive, _memfile.MemFile):
            self._keepalive.close()
        self._keepalive = None


def _read(read, data, size: int, source_name: str) -> ctypes.c_void_p:
    """Call one of the ``cais_program_read_memory*`` readers and return the
    ``cais_program *``, raising ``CaisError`` on failure."""
    err = _clib.Error()
    out = ctypes.c_void_p()
    _clib.check(read(data, size, source_name.encode(), ctypes.byref(out), ctypes.byref(err)), err)
    return out
