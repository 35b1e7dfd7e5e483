"""The bridge's in-memory files: the memfd route (bytecode written by MLIR 22
into a memfd that the C library borrows, the C library streaming into a memfd
that MLIR 22 parses by path) gives exactly what the bytes route gives, frees
its files, and the streaming writer writes the bytes the buffer writer
returns."""

from __future__ import annotations

import os
import re

import pytest

import caisparse
from caisparse import _clib, _coreai, _memfile, bridge
from conftest import asm, module_of

pytestmark = pytest.mark.skipif(not _memfile.available(), reason="needs memfd (Linux)")

MODES = [dict(), dict(quantize_dtype="uint8"),
         dict(target_sparsity=None, n_m_ratio=(2, 4), palettize_nbits=4)]


def _canonical(text: str) -> str:
    """The program's text with each resource name replaced by its order of
    first appearance: names are uniquified per context, so two runs in one
    context name the same blobs differently."""
    names: dict = {}
    return re.sub(r"resource_[0-9A-Za-z_]+",
                  lambda m: names.setdefault(m.group(0), f"R{len(names)}"), text)


def _open_memfds() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:caisparse"):
                count += 1
        except OSError:
            pass
    return count


@pytest.mark.parametrize("kw", MODES, ids=["mag", "uint8", "nm+pal4"])
def test_memfd_route_equals_the_bytes_route(mlp_f16, kw, monkeypatch):
    via_memfd = _canonical(asm(caisparse.sparsify_weights(mlp_f16, **kw)))
    monkeypatch.setattr(_memfile, "available", lambda: False)
    via_bytes = _canonical(asm(caisparse.sparsify_weights(mlp_f16, **kw)))
    assert via_memfd == via_bytes
    assert "coreai.sparse_with_bitmask_to_dense" in via_memfd


def test_memfds_are_closed_after_the_call_and_after_errors(mlp_f32):
    before = _open_memfds()
    caisparse.sparsify_weights(mlp_f32)
    assert _open_memfds() == before
    with pytest.raises(ValueError):
        caisparse.sparsify_weights(mlp_f32, target_sparsity=1.5)
    assert _open_memfds() == before


def test_module_to_memfile_holds_the_bytes_module_to_bytes_writes(mlp_f32):
    core = _coreai.require()
    module = module_of(mlp_f32)
    data, _ = bridge.module_to_bytes(module, core)
    memfile, _ = bridge.module_to_memfile(module, core)
    with memfile:
        assert memfile.size() == len(data)
        view = memfile.view()
        try:
            assert view.tobytes() == data
        finally:
            view.release()


def test_write_fd_streams_the_bytes_to_bytes_returns(mlp_f32):
    core = _coreai.require()
    program, _ = bridge.module_to_program(module_of(mlp_f32), core)
    with program:
        expected = program.to_bytes(_clib.FORMAT_BYTECODE)
        with _memfile.MemFile("caisparse-test") as out:
            program.write_fd(out.fd, _clib.FORMAT_BYTECODE)
            assert out.size() == len(expected)
            view = out.view()
            try:
                assert view.tobytes() == expected
            finally:
                view.release()
