"""The drop-in's signature and parameter errors, against the seed and against
upstream coreai_opt (asked in a subprocess: it imports torch)."""

from __future__ import annotations

import inspect
import json
import math

import pytest

import caisparse
from conftest import run_upstream

SEED = [("coreai_program", inspect.Parameter.empty), ("target_sparsity", 0.5),
        ("block_size", None), ("n_m_ratio", None), ("quantize_dtype", None),
        ("palettize_nbits", None), ("weight_num_threshold", 1024), ("in_place", False)]


def _ours():
    return inspect.signature(caisparse.sparsify_weights).parameters


def test_signature_matches_the_seed():
    params = list(_ours().values())
    assert [(p.name, p.default) for p in params[:8]] == SEED
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params[:8])
    extra = {p.name: (p.kind, p.default) for p in params[8:]}
    kw = inspect.Parameter.KEYWORD_ONLY
    assert extra == {"device": (kw, "auto"), "threads": (kw, 0), "report": (kw, None)}


def test_signature_matches_upstream():
    out = run_upstream(
        "import inspect, json\n"
        "from coreai_opt.coreai_utils import sparsify_weights\n"
        "ps = inspect.signature(sparsify_weights).parameters.values()\n"
        "print(json.dumps([(p.name, str(p.kind), None if p.default is p.empty else repr(p.default))"
        " for p in ps]))\n")
    upstream = json.loads(out)
    ours = [(p.name, str(p.kind), None if p.default is p.empty else repr(p.default))
            for p in list(_ours().values())[:len(upstream)]]
    assert [tuple(u) for u in upstream] == ours


# (kwargs) -> each must raise ValueError before the program is looked at.
BAD = [
    dict(target_sparsity=0.5, n_m_ratio=(2, 4)),
    dict(target_sparsity=None),
    dict(quantize_dtype="int8", palettize_nbits=4),
    dict(quantize_dtype="int4"),
    dict(quantize_dtype="INT9"),
    dict(palettize_nbits=5),
    dict(palettize_nbits=0),
    dict(block_size=1),
    dict(block_size=0),
    dict(target_sparsity=None, n_m_ratio=(1, 2, 3)),
    dict(target_sparsity=None, n_m_ratio=(1.0, 4)),
    dict(target_sparsity=None, n_m_ratio=(1, 0)),
    dict(target_sparsity=None, n_m_ratio=(5, 4)),
    dict(target_sparsity=None, n_m_ratio=(-1, 4)),
]
# Checks upstream lacks (it would fail later, or not at all).
EXTRA = [
    (dict(target_sparsity=1.5), "`target_sparsity` must be in [0, 1]"),
    (dict(target_sparsity=-0.1), "`target_sparsity` must be in [0, 1]"),
    (dict(target_sparsity=math.nan), "`target_sparsity` must be in [0, 1]"),
    (dict(target_sparsity=None, n_m_ratio=(2, 4), block_size=4), "`block_size` and `n_m_ratio`"),
    (dict(weight_num_threshold=-1), "`weight_num_threshold` must be >= 0"),
]


def _messages_from_upstream():
    code = ("import json\nfrom coreai_opt.coreai_utils import sparsify_weights\nout = []\n"
            f"for kw in {BAD!r}:\n"
            "    try:\n        sparsify_weights(None, **kw)\n        out.append(None)\n"
            "    except ValueError as e:\n        out.append(str(e))\n"
            "print(json.dumps(out))\n")
    return json.loads(run_upstream(code.replace("nan", "float('nan')")))


def test_every_value_error_has_upstream_wording():
    upstream = _messages_from_upstream()
    assert None not in upstream
    for kw, expected in zip(BAD, upstream):
        with pytest.raises(ValueError) as info:
            caisparse.sparsify_weights(object(), **kw)  # not a program: checked first
        assert str(info.value) == expected, kw


@pytest.mark.parametrize("kw,wording", EXTRA)
def test_checks_beyond_upstream(kw, wording):
    with pytest.raises(ValueError, match=None) as info:
        caisparse.sparsify_weights(object(), **kw)
    assert wording in str(info.value)


def test_upstream_dtype_members_and_names_are_accepted(mlp_f32):
    from coreai_opt.coreai_utils import DType  # imports torch: the fixture did already

    for dtype in (DType.INT8, "int8", DType.FP8_E4M3FN, "fp8_e5m2", DType.UINT8):
        reports = []
        caisparse.sparsify_weights(mlp_f32, quantize_dtype=dtype, report=reports.append)
        joint = {w.joint for w in reports[0].weights if w.outcome == "compressed"}
        assert joint == {getattr(dtype, "value", dtype)}
    with pytest.raises(ValueError, match=r"Invalid quantize_dtype <DType.INT4: 'int4'>"):
        caisparse.sparsify_weights(mlp_f32, quantize_dtype=DType.INT4)


def test_not_a_program_is_a_type_error():
    with pytest.raises(TypeError, match="AIProgram"):
        caisparse.sparsify_weights(object())
