"""Shared fixtures: small programs converted with coreai-torch (debug info on),
helpers to run programs on the Core AI runtime and to list locations.

Upstream ``coreai_opt`` is only ever run in subprocesses (it hangs in a process
that has started the Core AI runtime, and it imports torch).
"""

from __future__ import annotations

import asyncio
import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tiny_transformer.aimodel"


def convert(model, x):
    """Convert a torch module to an AIProgram (debug mode: #debuginfo locations)."""
    import coreai_torch
    import torch

    conv = coreai_torch.TorchConverter(mode=coreai_torch.TorchConverter.Mode.DEBUG)
    conv.add_pytorch_module(model, export_fn=lambda m: torch.export.export(m, args=(x,))
                            .run_decompositions(coreai_torch.get_decomp_table()))
    return conv.to_coreai()


def _mlp(dtype):
    import torch

    torch.manual_seed(0)

    class MLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.up = torch.nn.Linear(64, 128)
            self.down = torch.nn.Linear(128, 64)

        def forward(self, x):
            return self.down(torch.relu(self.up(x)))

    model = MLP().eval().to(dtype)
    return convert(model, torch.randn(2, 64, dtype=dtype))


@pytest.fixture(scope="session")
def mlp_f32_master():
    """A two-layer MLP in f32 (weights 128x64 and 64x128)."""
    import torch

    return _mlp(torch.float32)


@pytest.fixture(scope="session")
def mlp_f16_master():
    """The same MLP in f16."""
    import torch

    return _mlp(torch.float16)


@pytest.fixture
def mlp_f32(mlp_f32_master):
    """A fresh copy of the f32 MLP for one test."""
    return copy.deepcopy(mlp_f32_master)


@pytest.fixture
def mlp_f16(mlp_f16_master):
    """A fresh copy of the f16 MLP for one test."""
    return copy.deepcopy(mlp_f16_master)


def module_of(program):
    """The MLIR 22 module of an AIProgram."""
    return program._module._mlir_module  # noqa: SLF001


def asm(program) -> str:
    """The program's generic text with debug info."""
    return module_of(program).operation.get_asm(print_generic_op_form=True, enable_debug_info=True)


def ops_and_locations(program):
    """[(op name, str(location))] in walk order, and the block arguments' locations."""
    from coreai._compiler import ir

    ops, args = [], []

    def visit(op):
        ops.append((op.name, str(op.location)))
        for region in op.regions:
            for block in region.blocks:
                args.extend(str(a.location) for a in block.arguments)
        return ir.WalkResult.ADVANCE

    module_of(program).operation.walk(visit)
    return ops, args


def run_program(program, inputs):
    """Save a program as a package in a temp dir and run ``main`` on the runtime."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asset = program.save_asset(Path(tmp) / "p.aimodel")
        return run_asset(asset, inputs)


def run_asset(asset, inputs):
    """Run ``main`` of an AIModelAsset; returns {name: float64 array}."""
    import coreai.runtime

    async def go():
        async with asset.executable() as model:
            out = await model.load_function("main")(
                {k: coreai.runtime.NDArray(v) for k, v in inputs.items()})
        return {k: np.asarray(v.numpy(), dtype=np.float64) for k, v in out.items()}

    return asyncio.run(go())


def mlp_inputs(dtype=np.float32):
    """Seeded input for the MLPs."""
    return {"x": np.random.default_rng(1).standard_normal((2, 64)).astype(dtype)}


def run_cli(args, python=None, env=None, **kw):
    """Run ``python -m caisparse ARGS`` (the build's C CLI underneath)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([python or sys.executable, "-W", "ignore", "-m", "caisparse", *map(str, args)],
                          capture_output=True, text=True, env=full_env, timeout=300, **kw)


def run_upstream(code: str) -> str:
    """Run Python code that imports coreai_opt in a fresh process; return stdout."""
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
