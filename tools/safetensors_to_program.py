#!/usr/bin/env python3
"""safetensors_to_program.py -- turn a .safetensors checkpoint into a Core AI
program (MLIR generic text, or bytecode through mlir-opt-19) that
cai-sparsify can compress.

    python3 tools/safetensors_to_program.py model.safetensors -o model.mlir
    python3 tools/safetensors_to_program.py model.safetensors --dtype f16 \\
        --format bytecode -o model.mlirbc

Needs Python 3.8+ and numpy only (no torch, no safetensors package): the
safetensors container is an 8-byte little-endian header length, a JSON header
and the raw little-endian tensor bytes, read here through a memory map.

What it writes (details in tools/README.md):
  * every tensor becomes a `coreai.constant` whose value is
    `dense_resource<KEY>` (KEY = the tensor name with every character outside
    [A-Za-z0-9_] replaced by '_'), located by `loc("<tensor name>")`, with its
    bytes in the `dialect_resources: { builtin: ... }` section (alignment 4);
  * a plausible graph around them, enough for cai-sparsify to decide which
    constants are weights and along which axes (spec sections 2 and 3):
      - 2-D tensors whose name says embedding (`embed`, `wte`, `wpe`,
        `token_type`) feed `coreai.gather_nd` with the token ids;
      - other 2-D float tensors are PyTorch `nn.Linear` weights [out, in]
        (`--linear-layout in_out` for GPT-2 style Conv1D [in, out]): they
        reach `coreai.decomposable.broadcasting_batch_matmul` as operand 1
        through `coreai.transpose` (perm [1, 0]);
      - rank-4 float tensors are conv weights [out, in, kh, kw] feeding
        `coreai.conv2d`;
      - 1-D float tensors (biases, norm weights) are applied with
        `coreai.add` / `coreai.mul`;
      - anything else (integer buffers such as `position_ids`, other ranks)
        is kept as a constant feeding `coreai.reshape` to its own shape.
    Activations are chained in checkpoint order: a linear layer consumes the
    latest activation of its input width (a graph argument of that width if
    none exists yet).  The graph is for compression, not for inference.
"""

import argparse
import json
import mmap
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

# safetensors dtype -> (numpy dtype or None for bf16, MLIR element type, bytes)
_DTYPES = {
    "F64": (np.float64, "f64", 8),
    "F32": (np.float32, "f32", 4),
    "F16": (np.float16, "f16", 2),
    "BF16": (None, "bf16", 2),
    "I64": (np.int64, "si64", 8),
    "I32": (np.int32, "si32", 4),
    "I16": (np.int16, "si16", 2),
    "I8": (np.int8, "si8", 1),
    "U8": (np.uint8, "ui8", 1),
    "BOOL": (np.uint8, "ui8", 1),  # stored as one byte per element
}
_FLOAT_TYPES = ("f64", "f32", "f16", "bf16")
_EMBED_RE = re.compile(r"(^|[._])(embed|embeddings|embed_tokens|wte|wpe|token_type)", re.I)


class Tensor:
    __slots__ = ("name", "key", "mlir_type", "shape", "raw")

    def __init__(self, name, key, mlir_type, shape, raw):
        self.name, self.key, self.mlir_type, self.shape, self.raw = (
            name, key, mlir_type, shape, raw)

    @property
    def is_float(self):
        return self.mlir_type in _FLOAT_TYPES


def read_safetensors(path):
    """Returns [(name, dtype string, shape, memoryview of the bytes)] in file
    order, plus the metadata dict.  The views point into a read-only map."""
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if len(mm) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    n = int.from_bytes(mm[:8], "little")
    if n <= 0 or 8 + n > len(mm):
        raise ValueError(f"{path}: bad header length {n}")
    header = json.loads(bytes(mm[8:8 + n]).decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", {}) or {}
    view = memoryview(mm)
    out = []
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
        shape = [int(d) for d in info["shape"]]
        begin, end = (int(x) for x in info["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if end - begin != count * _DTYPES[dt][2] or base + end > len(mm):
            raise ValueError(f"{path}: tensor {name}: data size does not match "
                             f"{dt}{shape}")
        out.append((name, dt, shape, view[base + begin:base + end]))
    return out, meta


def _f32_to_bf16_bits(a):
    """float32 array -> bfloat16 bits (uint16), round to nearest even; NaN
    stays NaN."""
    u = a.astype(np.float32).view(np.uint32)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        rounded[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return rounded


def _bf16_bits_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def convert(dt, raw, target):
    """Returns (bytes-like, MLIR element type) for a tensor of safetensors
    dtype `dt` cast to `target` ('keep', 'f16', 'bf16', 'f32'); integer
    tensors are never cast."""
    np_type, mlir_type, _ = _DTYPES[dt]
    if mlir_type not in _FLOAT_TYPES or target in ("keep", mlir_type):
        return raw, mlir_type
    if mlir_type == "bf16":
        values = _bf16_bits_to_f32(np.frombuffer(raw, dtype=np.uint16))
    else:
        values = np.frombuffer(raw, dtype=np_type)
    if target == "bf16":
        return _f32_to_bf16_bits(values.astype(np.float32)).tobytes(), "bf16"
    if target == "f16":
        with np.errstate(over="ignore"):
            return values.astype(np.float16).tobytes(), "f16"
    return values.astype(np.float32).tobytes(), "f32"


def resource_key(name, taken):
    key = re.sub(r"[^A-Za-z0-9_]", "_", name) or "tensor"
    if key[0].isdigit():
        key = "t_" + key
    base, i = key, 1
    while key in taken:
        key = f"{base}_{i}"
        i += 1
    taken.add(key)
    return key


def tensor_type(shape, elem):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def _quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class GraphWriter:
    """Builds the op lines of one coreai.graph."""

    def __init__(self, seq, act_type):
        self.seq = seq
        self.act = act_type          # element type of activations
        self.lines = []
        self.args = []               # (ssa name, type)
        self.n = 0
        self.acts = {}               # width -> (ssa, type)
        self.ids = None              # token ids reshaped [1, S, 1]
        self.perm = None

    def fresh(self):
        v = f"%{self.n}"
        self.n += 1
        return v

    def op(self, name, operands, types, result_type, loc, props=None):
        res = self.fresh()
        p = f" <{{{props}}}>" if props else ""
        self.lines.append(
            f'    {res} = "{name}"({", ".join(operands)}){p} : '
            f'({", ".join(types)}) -> {result_type} loc({_quote(loc)})')
        return res

    def const_inline(self, text, ty, loc):
        return self.op("coreai.constant", [], [], ty, loc,
                       f"value = {text} : {ty}"), ty

    def const_resource(self, t):
        ty = tensor_type(t.shape, t.mlir_type)
        return self.op("coreai.constant", [], [], ty, t.name,
                       f"value = dense_resource<{t.key}> : {ty}"), ty

    def arg(self, ty):
        v = f"%arg{len(self.args)}"
        self.args.append((v, ty))
        return v

    def activation(self, width):
        if width not in self.acts:
            ty = tensor_type([1, self.seq, width], self.act)
            self.acts[width] = (self.arg(ty), ty)
        return self.acts[width]

    def token_ids(self):
        if self.ids is None:
            ids_ty = tensor_type([1, self.seq], "si32")
            a = self.arg(ids_ty)
            shape, shape_ty = self.const_inline(f"dense<[1, {self.seq}, 1]>",
                                                "tensor<3xsi64>", "ids.shape")
            ty = tensor_type([1, self.seq, 1], "si32")
            self.ids = (self.op("coreai.reshape", [a, shape], [ids_ty, shape_ty], ty,
                                "ids"), ty)
        return self.ids

    def transpose_perm(self):
        if self.perm is None:
            self.perm = self.const_inline("dense<[1, 0]>", "tensor<2xui32>", "perm_1_0")
        return self.perm

    def embedding(self, t):
        w, wty = self.const_resource(t)
        ids, ids_ty = self.token_ids()
        width = t.shape[1]
        out_ty = tensor_type([1, self.seq, width], t.mlir_type)
        v = self.op("coreai.gather_nd", [w, ids], [wty, ids_ty], out_ty, t.name)
        if width in self.acts and self.acts[width][1] == out_ty:
            prev, pty = self.acts[width]
            v = self.op("coreai.add", [prev, v], [pty, out_ty], out_ty, t.name + ".sum")
        self.acts[width] = (v, out_ty)

    def linear(self, t, layout):
        w, wty = self.const_resource(t)
        out_f, in_f = (t.shape if layout == "out_in" else t.shape[::-1])
        x, xty = self.activation(in_f)
        if layout == "out_in":
            perm, perm_ty = self.transpose_perm()
            wt_ty = tensor_type([in_f, out_f], t.mlir_type)
            w = self.op("coreai.transpose", [w, perm], [wty, perm_ty], wt_ty, t.name + ".T")
            wty = wt_ty
        out_ty = tensor_type([1, self.seq, out_f], self.act)
        v = self.op("coreai.decomposable.broadcasting_batch_matmul", [x, w], [xty, wty],
                    out_ty, t.name.rsplit(".", 1)[0] if "." in t.name else t.name)
        self.acts[out_f] = (v, out_ty)

    def conv(self, t):
        w, wty = self.const_resource(t)
        o, i, kh, kw = t.shape
        xty = tensor_type([1, i, 8, 8], self.act)
        x = self.arg(xty)
        out_ty = tensor_type([1, o, 8, 8], self.act)
        props = ("dilations = array<i64: 1, 1>, groups = 1 : si64, "
                 f"pad = array<i64: {kh // 2}, {kh // 2}, {kw // 2}, {kw // 2}>, "
                 "strides = array<i64: 1, 1>")
        self.op("coreai.conv2d", [x, w], [xty, wty], out_ty, t.name, props)

    def vector(self, t):
        """1-D float: bias / norm parameter applied to the activation of its
        width (mul for names ending in 'weight' / 'gamma' / 'scale')."""
        w, wty = self.const_resource(t)
        width = t.shape[0]
        x, xty = self.activation(width)
        is_scale = re.search(r"(weight|gamma|scale)$", t.name) is not None
        v = self.op("coreai.mul" if is_scale else "coreai.add", [x, w], [xty, wty], xty,
                    t.name)
        self.acts[width] = (v, xty)

    def other(self, t):
        w, wty = self.const_resource(t)
        shape_text = "[" + ", ".join(str(d) for d in t.shape) + "]"
        s, sty = self.const_inline(f"dense<{shape_text}>", f"tensor<{len(t.shape)}xsi64>",
                                   t.name + ".shape")
        self.op("coreai.reshape", [w, s], [wty, sty], wty, t.name + ".reshape")


def build_program(tensors, seq, layout, source_name):
    """Returns (ops text, list of Tensor) for the program."""
    float_types = [t.mlir_type for t in tensors if t.is_float]
    act = max(set(float_types), key=float_types.count) if float_types else "f32"
    if act == "f64":
        act = "f32"
    g = GraphWriter(seq, act)
    for t in tensors:
        rank = len(t.shape)
        if t.is_float and rank == 2 and _EMBED_RE.search(t.name):
            g.embedding(t)
        elif t.is_float and rank == 2:
            g.linear(t, layout)
        elif t.is_float and rank == 4:
            g.conv(t)
        elif t.is_float and rank == 1:
            g.vector(t)
        elif rank == 0:
            g.const_resource(t)
        else:
            g.other(t)
    # Output: the most recently produced activation.
    if g.acts:
        out_v, out_ty = list(g.acts.values())[-1]
        outs = [(out_v, out_ty)]
    else:
        outs = []
    arg_list = ", ".join(f"{v}: {ty} loc({_quote(source_name)})" for v, ty in g.args)
    fn_type = ("(" + ", ".join(ty for _, ty in g.args) + ") -> ("
               + ", ".join(ty for _, ty in outs) + ")")
    head = [
        '"builtin.module"() ({',
        f'  "coreai.graph"() <{{function_type = {fn_type}, sym_name = "main"}}> ({{',
        f"  ^bb0({arg_list}):",
    ]
    tail = [
        f'    "coreai.output"({", ".join(v for v, _ in outs)}) : '
        f'({", ".join(ty for _, ty in outs)}) -> () loc({_quote(source_name)})',
        f"  }}) : () -> () loc({_quote(source_name)})",
        f"}}) : () -> () loc({_quote(source_name)})",
    ]
    return "\n".join(head + g.lines + tail) + "\n"


def write_resources(f, tensors, chunk=1 << 24):
    f.write("\n{-#\n  dialect_resources: {\n    builtin: {\n")
    for i, t in enumerate(tensors):
        f.write(f"      {t.key}: \"0x04000000")
        raw = memoryview(t.raw)
        for off in range(0, len(raw), chunk):
            f.write(raw[off:off + chunk].hex().upper())
        f.write("\"" + ("," if i + 1 < len(tensors) else "") + "\n")
    f.write("    }\n  }\n#-}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert a .safetensors checkpoint into a Core AI program.")
    ap.add_argument("input", help="the .safetensors file")
    ap.add_argument("-o", "--output", required=True, help="program to write")
    ap.add_argument("--dtype", choices=["keep", "f16", "bf16", "f32"], default="keep",
                    help="cast float tensors (default: keep their dtype)")
    ap.add_argument("--format", choices=["text", "bytecode"], default=None,
                    help="text (generic MLIR) or bytecode (via mlir-opt-19); "
                         "default: bytecode if OUTPUT ends in .mlirbc, else text")
    ap.add_argument("--linear-layout", choices=["out_in", "in_out"], default="out_in",
                    help="2-D weight layout: out_in (PyTorch nn.Linear, default) or "
                         "in_out (GPT-2 Conv1D)")
    ap.add_argument("--seq", type=int, default=128, help="sequence length of the "
                    "activations in the graph (default 128)")
    ap.add_argument("--mlir-opt", default=os.environ.get("MLIR_OPT", "mlir-opt-19"),
                    help="mlir-opt used for bytecode (default mlir-opt-19)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    fmt = a.format or ("bytecode" if a.output.endswith(".mlirbc") else "text")

    entries, _meta = read_safetensors(a.input)
    taken = set()
    tensors = []
    for name, dt, shape, raw in entries:
        data, mlir_type = convert(dt, raw, a.dtype)
        tensors.append(Tensor(name, resource_key(name, taken), mlir_type, shape, data))

    source = os.path.basename(a.input)
    ops = build_program(tensors, a.seq, a.linear_layout, source)
    out_dir = os.path.dirname(os.path.abspath(a.output))
    fd, tmp = tempfile.mkstemp(prefix=".st2p-", suffix=".mlir", dir=out_dir)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(ops)
            write_resources(f, tensors)
        if fmt == "bytecode":
            exe = shutil.which(a.mlir_opt)
            if not exe:
                raise SystemExit(f"error: --format bytecode needs {a.mlir_opt} on PATH "
                                 "(or write text and let cai-sparsify --emit bytecode)")
            tmp_bc = tmp + "bc"
            subprocess.run([exe, "--allow-unregistered-dialect", "--emit-bytecode",
                            tmp, "-o", tmp_bc], check=True)
            os.unlink(tmp)
            tmp = tmp_bc
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, a.output)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if not a.quiet:
        n_float = sum(int(np.prod(t.shape)) for t in tensors if t.is_float)
        print(f"{a.output}: {len(tensors)} tensors, {n_float:,} float parameters, "
              f"{fmt}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
