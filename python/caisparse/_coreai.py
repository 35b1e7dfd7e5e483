"""Importing Core AI's Python package (coreai-core), with a message that says
exactly what to install when it is missing."""

from __future__ import annotations

INSTALL_HINT = (
    "caisparse needs Core AI's Python package for this: install it into this Python with\n"
    '    python -m pip install "coreai-core==1.0.0b3"\n'
    "(CPython 3.11; tools/install-venv.sh makes a venv with it)"
)


class CoreAIMissingError(ImportError):
    """coreai-core is not importable in this Python."""


def require():
    """Import and return the parts of coreai-core the package uses.

    Returns
    -------
    types.SimpleNamespace
        ``ir`` (the MLIR 22 bindings), ``AIProgram``, ``AIModelAsset``,
        ``Context``, ``set_op_location``, ``set_block_arg_location`` and
        ``load_module_from_bytecode``.

    Raises
    ------
    CoreAIMissingError
        If coreai-core cannot be imported; the message says what to install.
    """
    import types

    try:
        from coreai._compiler import ir
        from coreai._compiler._mlir_libs._coreaiIR._bindings.compiler import (
            load_module_from_bytecode,
        )
        from coreai._compiler._mlir_libs._coreaiIR._bindings.mlir import (
            set_block_arg_location,
            set_op_location,
        )
        from coreai.authoring import AIModelAsset, AIProgram, Context
    except ImportError as exc:
        raise CoreAIMissingError(f"{INSTALL_HINT}\n(import failed: {exc})") from exc
    return types.SimpleNamespace(
        ir=ir,
        AIProgram=AIProgram,
        AIModelAsset=AIModelAsset,
        Context=Context,
        set_op_location=set_op_location,
        set_block_arg_location=set_block_arg_location,
        load_module_from_bytecode=load_module_from_bytecode,
    )
