"""decode_output.py -- reads the compressed weights of a cai-sparsify output
program (TEXT form; use `cai-sparsify --emit text` or mlir_text.to_text) back
into numpy, independently of the tool's own --verify.

For each weight name (the location every op of a chain carries, spec
section 5) it finds the chain's constants by their types:

  mask     tensor<SHAPE x ui1>, packed LSB first          (every chain)
  vals     tensor<NNZ x T>, T float                       (sparse only)
  q        tensor<NNZ x si8|ui8|f8E4M3FN|f8E5M2>          (quantized)
  scale    splat tensor<1x..x1 x T> (first float splat), offset1 splat of the
           quantized type, offset2 splat (last float splat)
  indices  tensor<NNZ x ui<k>>, packed LSB first          (palettized)
  lut      tensor<1 x 2^k x 1 x T>                        (palettized)

and returns a `Decoded` with the mask (bool, weight shape), the non-zero
payload decoded to float64 in row-major order, and for palettized chains the
LUT (float64 of the stored values) and the index of every non-zero.
"""

import numpy as np

from mlir_text import TextProgram, subbyte_width

_QUANT = ("si8", "ui8", "f8E4M3FN", "f8E5M2")
_FLOATS = ("f16", "bf16", "f32")


class Decoded:
    def __init__(self, name, kind, mask, values, dtype, lut=None, indices=None,
                 scale=None, offset1=None):
        self.name, self.kind, self.mask, self.values, self.dtype = name, kind, mask, values, dtype
        self.lut, self.indices, self.scale, self.offset1 = lut, indices, scale, offset1

    def dense(self):
        out = np.zeros(self.mask.shape, dtype=np.float64)
        out[self.mask] = self.values
        return out


def decode_program(path, only=None):
    """{weight name: Decoded} for every compressed chain in a text program."""
    result = {}
    with TextProgram(path) as p:
        for name, consts in p.by_name().items():
            if only is not None and name not in only:
                continue
            masks = [c for c in consts if c.elem == "ui1" and len(c.shape) >= 1]
            if not masks or name is None:
                continue
            mask_c = masks[0]
            mask = p.array(mask_c).astype(bool)
            nnz = int(mask.sum())
            rest = [c for c in consts if c is not mask_c]
            luts = [c for c in rest if c.elem in _FLOATS and len(c.shape) == 3
                    and c.shape[0] == 1 and c.shape[2] == 1 and c.shape[1] in (2, 4, 8, 16, 64, 256)]
            if luts:
                lut_c = luts[0]
                idx_c = next(c for c in rest if c.elem.startswith("ui") and c.elem != "ui1"
                             and len(c.shape) == 1 and c.shape[0] == nnz)
                lut = p.array(lut_c).reshape(-1).astype(np.float64)
                idx = p.array(idx_c).reshape(-1).astype(np.int64)
                result[name] = Decoded(name, f"palettize{subbyte_width(idx_c.elem) or 8}", mask,
                                       lut[idx], lut_c.elem, lut=lut, indices=idx)
                continue
            qs = [c for c in rest if c.elem in _QUANT and len(c.shape) == 1 and c.shape[0] == nnz]
            if qs:
                q_c = qs[0]
                fsplats = [c for c in rest if c.elem in _FLOATS and c.resource is None
                           and c.numel == 1]
                off1 = [c for c in rest if c.elem == q_c.elem and c.numel == 1 and c is not q_c]
                scale = float(p.array(fsplats[0]).reshape(-1)[0])
                offset2 = float(p.array(fsplats[-1]).reshape(-1)[0]) if len(fsplats) > 1 else 0.0
                o1 = float(p.array(off1[0]).astype(np.float64).reshape(-1)[0]) if off1 else 0.0
                q = p.array(q_c).astype(np.float64).reshape(-1)
                result[name] = Decoded(name, q_c.elem, mask, (q - o1) * scale + offset2,
                                       fsplats[0].elem, scale=scale, offset1=o1)
                continue
            vals = [c for c in rest if c.elem in _FLOATS and len(c.shape) == 1 and c.shape[0] == nnz]
            if vals:
                v = p.array(vals[0]).astype(np.float64).reshape(-1)
                result[name] = Decoded(name, "sparse", mask, v, vals[0].elem)
    return result


if __name__ == "__main__":  # python decode_output.py OUT.mlir
    import sys
    for name, d in decode_program(sys.argv[1]).items():
        extra = f" lut={len(d.lut)}" if d.lut is not None else (
            f" scale={d.scale:g}" if d.scale is not None else "")
        print(f"{name}: {d.kind} {d.dtype} shape={list(d.mask.shape)} nnz={d.values.size}{extra}")
