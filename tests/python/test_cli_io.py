"""How the command line reads and hands over programs: format detection reads
a bytecode file's header only (and still tells a truncated one), and the
converted input reaches the C CLI as an in-memory file (``/dev/fd/N``), with
the same result as the temporary-file route and messages that name the
user's files."""

from __future__ import annotations

import builtins
import os
import random
import shutil
import threading

import pytest

from caisparse import _memfile, cli, formats
from conftest import EXAMPLE, run_cli

MAIN = EXAMPLE / "main.mlirb"


@pytest.fixture
def package(tmp_path):
    """A copy of the bundled example package."""
    dst = tmp_path / "model.aimodel"
    shutil.copytree(EXAMPLE, dst)
    return dst


class _CountingOpen:
    """Stands in for ``open`` in ``caisparse.formats``: counts the bytes read."""

    def __init__(self) -> None:
        self.read = 0

    def __call__(self, *args, **kw):
        f = builtins.open(*args, **kw)
        counter, real_read = self, f.read

        class Wrapped:
            def __getattr__(self, name):
                return getattr(f, name)

            def read(self, n=-1):
                data = real_read(n)
                counter.read += len(data)
                return data

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                f.close()

        return Wrapped()


def _outcome(fn, *args):
    try:
        return fn(*args)
    except formats.FormatError as exc:
        return f"FormatError: {exc}"


def test_detection_reads_the_header_only(package, monkeypatch):
    counting = _CountingOpen()
    monkeypatch.setattr(formats, "open", counting, raising=False)
    assert formats.detect(str(package)) == formats.PACKAGE
    size = MAIN.stat().st_size
    assert 0 < counting.read < min(64 << 10, size // 10), (counting.read, size)


def test_detection_of_a_huge_file_does_not_read_it(tmp_path, monkeypatch):
    """A package whose main.mlirb ends in a 4 GiB section (a sparse file):
    detection walks past it in no time; a truncated one is still caught."""
    big = tmp_path / "big.aimodel"
    shutil.copytree(EXAMPLE, big)
    main = big / "main.mlirb"
    length = 4 << 30
    with open(main, "ab") as f:
        f.write(bytes([9, 0]) + length.to_bytes(8, "little"))  # section 9, a 9-byte length
        f.truncate(f.tell() + length)
    assert main.stat().st_size > length
    counting = _CountingOpen()
    monkeypatch.setattr(formats, "open", counting, raising=False)
    assert formats.detect(str(big)) == formats.PACKAGE
    assert counting.read < 64 << 10
    with open(main, "r+b") as f:
        f.truncate(main.stat().st_size - 1)
    with pytest.raises(formats.FormatError) as exc:
        formats.detect(str(big))
    assert str(exc.value) == (f"{main}: is truncated (a section runs past the end of the file)")


def test_header_from_a_file_says_what_the_bytes_say(tmp_path):
    """read_bytecode_file (seek) and read_bytecode_header (bytes) agree on the
    whole file and on every kind of cut, error messages included."""
    data = MAIN.read_bytes()
    header = formats.read_bytecode_header(data)
    assert header == formats.read_bytecode_file(str(MAIN))
    assert header.dialects == ("aicode",) and formats.MAGIC == data[:4]
    rnd = random.Random(0)
    cuts = sorted({0, 2, 4, 5, 6, 8, 12, 40, 100, len(data) - 1,
                   *(rnd.randrange(len(data)) for _ in range(40))})
    cut = tmp_path / "cut.mlirb"
    seen = set()
    for n in cuts:
        cut.write_bytes(data[:n])
        want = _outcome(formats.read_bytecode_header, data[:n])
        assert _outcome(formats.read_bytecode_file, str(cut)) == want, n
        seen.add(want)
    assert "FormatError: is truncated (a section runs past the end of the file)" in seen
    assert "FormatError: is not MLIR bytecode" in seen
    # Cut at the end of a section before the IR: no IR section.
    cut.write_bytes(data[:_end_of_first_section(data)])
    assert _outcome(formats.read_bytecode_file, str(cut)) == "FormatError: is truncated (no IR section)"
    # A pipe is read whole, with the same answer.
    r, w = os.pipe()

    def feed():
        with os.fdopen(w, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert formats.read_bytecode_file(f"/proc/self/fd/{r}") == header
    finally:
        writer.join()
        os.close(r)


def _end_of_first_section(data: bytes) -> int:
    _, pos = formats._varint(data, 4)  # noqa: SLF001
    pos = data.index(b"\0", pos) + 1
    code = data[pos]
    length, pos = formats._varint(data, pos + 1)  # noqa: SLF001
    if code & 0x80:
        align, pos = formats._varint(data, pos)  # noqa: SLF001
        pos = (pos + align - 1) // align * align
    assert code & 0x7F != 4
    return pos + length


def test_truncated_package_message(tmp_path):
    pkg = tmp_path / "trunc.aimodel"
    shutil.copytree(EXAMPLE, pkg)
    data = MAIN.read_bytes()
    (pkg / "main.mlirb").write_bytes(data[: len(data) // 2])
    with pytest.raises(formats.FormatError) as exc:
        formats.detect(str(pkg))
    assert str(exc.value) == (f"{pkg / 'main.mlirb'}: is truncated "
                              "(a section runs past the end of the file)")


needs_memfd = pytest.mark.skipif(not _memfile.available(), reason="needs memfd (Linux)")


def _spy_run_c(monkeypatch):
    calls = []
    real = cli._run_c  # noqa: SLF001

    def spy(argv, rename=None, display=None, fds=()):
        calls.append((list(argv), dict(rename or {}), tuple(fds)))
        return real(argv, rename, display, fds)

    monkeypatch.setattr(cli, "_run_c", spy)
    return calls


@needs_memfd
def test_the_c_cli_reads_the_input_from_a_memfd(package, tmp_path, monkeypatch, capsys):
    """The memfd route gives the same package as the temporary-file route,
    and what the user sees names the user's files."""
    calls = _spy_run_c(monkeypatch)
    args = ["--quantize-dtype", "int8", "--report"]
    mem, disk = tmp_path / "mem.aimodel", tmp_path / "disk.aimodel"
    assert cli.main(args + [str(tmp_path / "mem.json"), str(package), "-o", str(mem)]) == 0
    said = capsys.readouterr()
    argv, rename, fds = calls[-1]
    assert len(fds) == 1 and f"/dev/fd/{fds[0]}" in argv and rename[f"/dev/fd/{fds[0]}"] == str(package)
    assert "/dev/fd/" not in said.out + said.err and "output: " + str(mem) in said.out + said.err
    assert '"input": "%s"' % package in (tmp_path / "mem.json").read_text()
    # the memfd is closed once the C CLI is done
    assert not any(os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:caisparse")
                   for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}"))

    monkeypatch.setattr(_memfile, "available", lambda: False)
    assert cli.main(args + [str(tmp_path / "disk.json"), str(package), "-o", str(disk)]) == 0
    capsys.readouterr()
    argv, rename, fds = calls[-1]
    assert fds == () and not any(a.startswith("/dev/fd/") for a in argv)
    assert any(a.endswith("input.mlirbc") for a in argv)
    for name in ("main.mlirb", "main.hash"):
        assert (mem / name).read_bytes() == (disk / name).read_bytes(), name


@needs_memfd
def test_inspect_and_verify_through_memfds_name_the_users_files(package, tmp_path):
    out = tmp_path / "out.aimodel"
    assert run_cli(["--quantize-dtype", "int8", package, "-o", out]).returncode == 0
    proc = run_cli(["--quantize-dtype", "int8", "--verify", package, out])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"verify: {out} against {package}" in proc.stdout
    assert "/dev/fd/" not in proc.stdout + proc.stderr
    proc = run_cli(["--inspect", out])
    assert proc.returncode == 0 and "int8" in proc.stdout
    assert "/dev/fd/" not in proc.stdout + proc.stderr
