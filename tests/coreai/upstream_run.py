"""Runs upstream's sparsify_weights (coreai-opt) on one program, for several option sets.

    python upstream_run.py PROGRAM.mlir OUTDIR CASES.json

CASES.json maps a case name to sparsify_weights' keyword arguments (quantize_dtype
as its string value, n_m_ratio as a list).  For each case this writes
OUTDIR/<case>.mlir (generic form without debug info, which MLIR 19 reads) or, when
upstream raises, OUTDIR/<case>.error holding the exception.  Upstream's warnings go to
OUTDIR/<case>.log.  Run in its own process: upstream's k-means pool hangs in a process
that has started the Core AI runtime, and torch's import is paid once per program.
"""
import json
import logging
import sys
import traceback
from pathlib import Path


def main(program, outdir, cases_path):
    from coreai.authoring import AIProgram, Context
    from coreai._compiler import ir
    from coreai_opt.coreai_utils import sparsify_weights
    from coreai_opt.coreai_utils.common import DType

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    text = Path(program).read_text()
    cases = json.loads(Path(cases_path).read_text())
    for name, kwargs in cases.items():
        kwargs = dict(kwargs)
        if kwargs.get("quantize_dtype"):
            kwargs["quantize_dtype"] = DType(kwargs["quantize_dtype"])
        if kwargs.get("n_m_ratio"):
            kwargs["n_m_ratio"] = tuple(kwargs["n_m_ratio"])
            kwargs["target_sparsity"] = None
        handler = logging.FileHandler(outdir / f"{name}.log", mode="w")
        logging.getLogger().addHandler(handler)
        try:
            module = ir.Module.parse(text, context=Context()._mlir_context)
            prog = AIProgram._from_mlir_module(module)
            out = sparsify_weights(prog, **kwargs)
            asm = out._module._mlir_module.operation.get_asm(print_generic_op_form=True)
            (outdir / f"{name}.mlir").write_text(asm)
        except Exception:  # upstream's failure is a result to compare, not a test error
            (outdir / f"{name}.error").write_text(traceback.format_exc())
        finally:
            logging.getLogger().removeHandler(handler)
            handler.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
