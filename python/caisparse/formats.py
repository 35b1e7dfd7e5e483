"""Detecting a program file's format from its content, safely.

``load_module_from_bytecode`` aborts the whole process on bytes that are not
aicode bytecode, so packages are checked here first: the bytecode header, the
section layout (a truncated file ends inside a section) and the dialect list
(it must name ``aicode``).  Only the header is read: the section headers are
walked with ``seek``, and of the bodies only the string and dialect sections'
(small) are read, never the IR or the weights.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

MAGIC = b"ML\xefR"

# Kinds of input.
PACKAGE = "aimodel"            # a .aimodel directory (aicode bytecode inside)
AICODE_BYTECODE = "aicode"     # a bare main.mlirb
CORE_BYTECODE = "bytecode22"   # MLIR bytecode the C library cannot read (MLIR 22)
C_BYTECODE = "bytecode19"      # MLIR bytecode MLIR 19 wrote: the C library reads it
CORE_TEXT = "text22"           # debuginfo locations or custom syntax
C_TEXT = "text19"              # generic text without debuginfo: the C library reads it

_SECTION_DIALECT = 1
_SECTION_STRING = 0
_SECTION_IR = 4


class FormatError(ValueError):
    """The input is not a program in a format caisparse reads."""


@dataclass(frozen=True)
class Bytecode:
    """What the header and sections of an MLIR bytecode file say."""

    version: int
    producer: str
    dialects: tuple
    sections: tuple


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """MLIR bytecode's prefix varint: the count of trailing zero bits of the
    first byte (+1) says how many bytes follow."""
    if pos >= len(data):
        raise FormatError("ends inside a number")
    first = data[pos]
    if first & 1:
        return first >> 1, pos + 1
    if first == 0:
        if pos + 9 > len(data):
            raise FormatError("ends inside a number")
        return int.from_bytes(data[pos + 1:pos + 9], "little"), pos + 9
    n = (first & -first).bit_length()  # bytes in all
    if pos + n > len(data):
        raise FormatError("ends inside a number")
    value = int.from_bytes(data[pos:pos + n], "little") >> n
    return value, pos + n


def read_bytecode_header(data: bytes) -> Bytecode:
    """Read the version, producer, dialect names and section ids of MLIR bytecode.

    Parameters
    ----------
    data : bytes
        The whole file (``read_bytecode_file`` reads one from disk without
        loading it).

    Returns
    -------
    Bytecode
        What the file declares.

    Raises
    ------
    FormatError
        If it is not MLIR bytecode or is truncated (a section runs past the end).
    """
    view = memoryview(data)
    return _read_header(lambda pos, n: bytes(view[pos:pos + n]), len(data))


def read_bytecode_file(path: str) -> Bytecode:
    """``read_bytecode_header`` of a file, reading only its header: the
    magic, version and producer, each section's id, length and alignment
    (the section bodies are skipped with ``seek``), and the bodies of the
    string and dialect sections, which are small.  A file that is not a
    regular file (a pipe) is read whole.

    Parameters
    ----------
    path : str
        The file.

    Returns
    -------
    Bytecode
        What the file declares.

    Raises
    ------
    FormatError
        As ``read_bytecode_header`` (the message does not name the file).
    OSError
        If it cannot be opened or read.
    """
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            return read_bytecode_header(f.read())

        def read_at(pos: int, n: int) -> bytes:
            f.seek(pos)
            return f.read(n)

        return _read_header(read_at, st.st_size)


def _varint_at(read_at, pos: int) -> tuple[int, int]:
    """``_varint`` at ``pos`` of a file read through ``read_at`` (a varint
    takes at most 9 bytes)."""
    value, used = _varint(read_at(pos, 9), 0)
    return value, pos + used


def _read_header(read_at, size: int) -> Bytecode:
    """The work of ``read_bytecode_header``: ``read_at(pos, n)`` returns up
    to ``n`` bytes at ``pos`` (fewer at the end), ``size`` is the length."""
    if read_at(0, len(MAGIC)) != MAGIC:
        raise FormatError("is not MLIR bytecode")
    version, pos = _varint_at(read_at, 4)
    producer = b""
    while True:  # the producer string ends at the first NUL
        chunk = read_at(pos + len(producer), 256)
        end = chunk.find(b"\0")
        if end >= 0:
            producer += chunk[:end]
            break
        if not chunk:
            raise FormatError("is truncated (in the header)")
        producer += chunk
    pos += len(producer) + 1
    sections = {}
    while pos < size:
        code = read_at(pos, 1)[0]
        pos += 1
        length, pos = _varint_at(read_at, pos)
        if code & 0x80:
            align, pos = _varint_at(read_at, pos)
            if align > 1:
                pos = (pos + align - 1) // align * align
        if pos + length > size:
            raise FormatError("is truncated (a section runs past the end of the file)")
        # Only the string and dialect sections are read; the others (the IR
        # and the resources, which hold the weights) are skipped.
        wanted = (code & 0x7F) in (_SECTION_STRING, _SECTION_DIALECT)
        sections[code & 0x7F] = read_at(pos, length) if wanted else None
        pos += length
    if _SECTION_IR not in sections or _SECTION_STRING not in sections:
        raise FormatError("is truncated (no IR section)")
    strings = _strings(sections[_SECTION_STRING])
    dialects = _dialects(sections.get(_SECTION_DIALECT) or b"", strings, version)
    return Bytecode(version, producer.decode("utf-8", "replace"), tuple(dialects),
                    tuple(sorted(sections)))


def _strings(sec: bytes) -> list:
    count, pos = _varint(sec, 0)
    sizes = []
    for _ in range(count):
        size, pos = _varint(sec, pos)
        sizes.append(size)
    sizes.reverse()  # sizes are stored in reverse order
    out = []
    for size in sizes:
        out.append(sec[pos:pos + size].rstrip(b"\0").decode("utf-8", "replace"))
        pos += size
    return out


def _dialects(sec: bytes, strings: list, version: int) -> list:
    if not sec:
        return []
    count, pos = _varint(sec, 0)
    names = []
    for _ in range(count):
        idx, pos = _varint(sec, pos)
        if version >= 1:  # low bit: a version entry follows
            has_version, idx = idx & 1, idx >> 1
            if has_version:
                size, pos = _varint(sec, pos)
                pos += size
        names.append(strings[idx] if idx < len(strings) else f"#{idx}")
    return names


def _text_kind(data: bytes) -> str:
    text = data[:1 << 20].decode("utf-8", "replace")
    if "#debuginfo" in text:
        return CORE_TEXT
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("//") or s.startswith("#"):
            continue
        return C_TEXT if s.startswith('"builtin.module"') or s.startswith('"coreai.') else CORE_TEXT
    raise FormatError("holds no program")


def detect(path: str) -> str:
    """Say what kind of program ``path`` is.

    Parameters
    ----------
    path : str
        A file or a ``.aimodel`` directory.

    Returns
    -------
    str
        One of ``PACKAGE``, ``AICODE_BYTECODE``, ``CORE_BYTECODE``,
        ``C_BYTECODE``, ``CORE_TEXT``, ``C_TEXT``.

    Raises
    ------
    FormatError
        With a message naming the file: a directory that is not a package, a
        truncated or foreign ``main.mlirb``, an empty or unreadable file.
    """
    if os.path.isdir(path):
        main = os.path.join(path, "main.mlirb")
        if not os.path.isfile(main):
            raise FormatError(f"{path}: is a directory but not a .aimodel package (no main.mlirb)")
        kind = _bytecode_kind(main)
        if kind != AICODE_BYTECODE:
            raise FormatError(f"{main}: is not aicode bytecode (a .aimodel package holds the "
                              "aicode serialization dialect)")
        return PACKAGE
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror}") from exc
    if head == MAGIC:
        return _bytecode_kind(path)
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    try:
        return _text_kind(data)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from exc


def _bytecode_kind(path: str) -> str:
    try:
        header = read_bytecode_file(path)
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror}") from exc
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from exc
    if "aicode" in header.dialects:
        return AICODE_BYTECODE
    if header.producer.startswith("MLIR19"):
        return C_BYTECODE
    return CORE_BYTECODE
