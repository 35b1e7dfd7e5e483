"""Shared fixtures: the CLI under test, a scratch directory, the converted programs.

CAIS_CLI (set by ctest from $<TARGET_FILE:cai-sparsify>) is the binary under test;
CAIS_CONF_WORK (set by ctest to a folder of the build dir) holds the converted
programs, which are rebuilt only when models.py / convert.py change.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import models  # noqa: E402
import realstack  # noqa: E402


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("CAIS_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("CAIS_CLI must name the cai-sparsify binary (ctest sets it)")
    return path


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    path = os.environ.get("CAIS_CONF_WORK")
    if not path:
        return tmp_path_factory.mktemp("coreai")
    Path(path).mkdir(parents=True, exist_ok=True)
    return Path(path)


@pytest.fixture(scope="session")
def programs(workdir):
    """Converted programs, made by convert.py in a child process so that torch's export
    machinery never shares a process with the runtime started by the tests."""
    out = workdir / "programs"
    subprocess.run([sys.executable, str(HERE / "convert.py"), str(out)], check=True)
    return out


class Dense:
    """One converted program: its path, runtime inputs and the runtime's output on it."""

    def __init__(self, programs, workdir, program, dtype):
        self.path = programs / f"{program}.{dtype}.mlir"
        module = realstack.parse(self.path.read_text())
        names = realstack.input_names(module)
        self.inputs = realstack.load_inputs(programs / f"{program}.{dtype}.npz", names)
        asset = realstack.package(module, workdir / "dense" / f"{program}.{dtype}.aimodel")
        self.outputs = realstack.run(asset, self.inputs)


@pytest.fixture(scope="session")
def dense(programs, workdir):
    cache = {}

    def get(program, dtype):
        if (program, dtype) not in cache:
            cache[program, dtype] = Dense(programs, workdir, program, dtype)
        return cache[program, dtype]
    return get
