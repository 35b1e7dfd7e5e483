"""The benchmark's mode names and what they mean, for both tools.

A mode is SPARSITY[+JOINT]: SPARSITY is mag0.5 (magnitude, 50 %), block4
(blocks of 4 at 50 %) or nm2:4; JOINT is int8, uint8, fp8 (E4M3FN), pal4 or
pal8 (4- / 8-bit k-means palette).
"""

from __future__ import annotations

SPARSITIES = ["mag0.5", "block4", "nm2:4"]
JOINTS = ["", "int8", "uint8", "fp8", "pal4", "pal8"]
ALL_MODES = [s + (f"+{j}" if j else "") for s in SPARSITIES for j in JOINTS]


def mode_dir(mode: str) -> str:
    """The mode's folder name under OUT/runs/PROGRAM/ (no ':' or '+')."""
    return mode.replace(":", "_").replace("+", "_")


def parse_mode(mode: str) -> dict:
    """Keyword arguments of sparsify_weights (both tools) for a mode name."""
    sparsity, _, joint = mode.partition("+")
    kw = {"target_sparsity": 0.5, "block_size": None, "n_m_ratio": None,
          "quantize_dtype": None, "palettize_nbits": None}
    if sparsity == "block4":
        kw["block_size"] = 4
    elif sparsity == "nm2:4":
        kw["target_sparsity"], kw["n_m_ratio"] = None, (2, 4)
    elif sparsity != "mag0.5":
        raise ValueError(f"unknown sparsity {sparsity!r}")
    if joint in ("int8", "uint8"):
        kw["quantize_dtype"] = joint
    elif joint == "fp8":
        kw["quantize_dtype"] = "fp8_e4m3fn"
    elif joint in ("pal4", "pal8"):
        kw["palettize_nbits"] = int(joint[3:])
    elif joint:
        raise ValueError(f"unknown joint compression {joint!r}")
    return kw


def cli_args(mode: str) -> list[str]:
    """The same mode as cai-sparsify options."""
    kw = parse_mode(mode)
    args = []
    if kw["n_m_ratio"]:
        args += ["--n-m", "%d:%d" % kw["n_m_ratio"]]
    else:
        args += ["--target-sparsity", str(kw["target_sparsity"])]
    if kw["block_size"]:
        args += ["--block-size", str(kw["block_size"])]
    if kw["quantize_dtype"]:
        args += ["--quantize-dtype", kw["quantize_dtype"]]
    if kw["palettize_nbits"]:
        args += ["--palettize-nbits", str(kw["palettize_nbits"])]
    return args
