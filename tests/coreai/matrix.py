"""The conformance matrix: every program x dtype x sparsity mode x joint option.

4 programs x 3 dtypes x 7 modes x 11 joints = 924 cells, all of them run (one
cell takes a fraction of a second: the programs are small), so no cell of the
issue's cross product is sampled away.  About one cell in four writes bytecode
(`--emit bytecode`): the choice rotates with the cell's index, so every program,
dtype, mode and joint is exercised in both output formats somewhere.
"""
import itertools

from models import DTYPES, PROGRAMS

MODES = {
    "mag0.5": ["--target-sparsity", "0.5"],
    "mag0.3": ["--target-sparsity", "0.3"],
    "block2": ["--target-sparsity", "0.5", "--block-size", "2"],
    "block4": ["--target-sparsity", "0.5", "--block-size", "4"],
    "nm2:4": ["--n-m", "2:4"],
    "nm1:4": ["--n-m", "1:4"],
    "nm3:8": ["--n-m", "3:8"],
}
JOINTS = {
    "none": [],
    **{q: ["--quantize-dtype", q] for q in ("int8", "uint8", "fp8_e4m3fn", "fp8_e5m2")},
    **{f"pal{k}": ["--palettize-nbits", str(k)] for k in (1, 2, 3, 4, 6, 8)},
}
# The op each joint option must put into the program (beyond the sparse pair).
JOINT_OP = {"none": None, "int8": "coreai.blockwise_shift_scale",
            "uint8": "coreai.blockwise_shift_scale", "fp8_e4m3fn": "coreai.blockwise_shift_scale",
            "fp8_e5m2": "coreai.blockwise_shift_scale",
            **{f"pal{k}": "coreai.lut_to_dense" for k in (1, 2, 3, 4, 6, 8)}}


class Cell:
    def __init__(self, index, program, dtype, mode, joint):
        self.program, self.dtype, self.mode, self.joint = program, dtype, mode, joint
        self.bytecode = index % 4 == 0
        self.id = f"{program}-{dtype}-{mode}-{joint}" + ("-bc" if self.bytecode else "")

    def compression(self):
        """The options that say what to compute (also what --verify checks against)."""
        return MODES[self.mode] + JOINTS[self.joint]

    def options(self):
        return self.compression() + (["--emit", "bytecode"] if self.bytecode else [])


CELLS = [Cell(i, *c) for i, c in
         enumerate(itertools.product(PROGRAMS, DTYPES, MODES, JOINTS))]
