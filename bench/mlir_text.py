"""mlir_text.py -- a small reader for Core AI programs in MLIR generic TEXT
form: the `coreai.constant` ops (value, type, location name) and the
`dialect_resources: { builtin: ... }` blobs, as numpy arrays.

It is what the benchmark's reference pipeline and output decoder use; it needs
numpy (and ml_dtypes for bf16 / fp8).  It is not a general MLIR parser: it
reads the one-op-per-line generic form that cai-sparsify, cais-gen-program,
mlir-opt-19 and tools/safetensors_to_program.py print.  Bytecode programs are
read by converting them to text first (`to_text`, through mlir-opt-19).

The file is memory-mapped; a blob is decoded from hex only when asked for, so
a multi-gigabyte program costs what is actually read.
"""

import binascii
import mmap
import os
import re
import shutil
import subprocess

import numpy as np

_CONST_RE = re.compile(
    rb'^\s*(%[\w#]+) = "coreai\.constant"\(\) (?:<\{|\{)value = (.*?) : '
    rb'(tensor<[^>]*>)\}>? : \(\) -> tensor<[^>]*> loc\((.*)\)\s*$', re.M)
_LOC_DEF_RE = re.compile(rb'^(#loc\d*) = loc\((.*)\)\s*$', re.M)
_NAME_LOC_RE = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:\(.*\))?$')


def parse_tensor_type(text):
    """'tensor<4x8xf16>' -> ([4, 8], 'f16')."""
    inner = text[len("tensor<"):-1]
    parts = inner.split("x")
    shape = [int(p) for p in parts[:-1]]
    return shape, parts[-1]


def _name_of(loc_text, aliases):
    loc_text = loc_text.strip()
    if loc_text.startswith("#loc"):
        loc_text = aliases.get(loc_text, "")
    m = _NAME_LOC_RE.match(loc_text)
    if not m:
        return None  # file:line:col, fused, unknown
    return m.group(1).replace('\\"', '"').replace("\\\\", "\\")


class Constant:
    __slots__ = ("ssa", "name", "value", "shape", "elem", "resource")

    def __init__(self, ssa, name, value, shape, elem):
        self.ssa, self.name, self.value, self.shape, self.elem = ssa, name, value, shape, elem
        self.resource = value[len("dense_resource<"):-1] if value.startswith(
            "dense_resource<") else None

    @property
    def numel(self):
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    def __repr__(self):
        return f"Constant({self.name!r}, {self.value[:40]!r}, {self.shape}, {self.elem})"


_NP = {"f16": np.float16, "f32": np.float32, "f64": np.float64,
       "si8": np.int8, "si16": np.int16, "si32": np.int32, "si64": np.int64,
       "ui8": np.uint8, "ui16": np.uint16, "ui32": np.uint32, "ui64": np.uint64,
       "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64}


def _ml_dtype(elem):
    import ml_dtypes
    return {"bf16": ml_dtypes.bfloat16, "f8E4M3FN": ml_dtypes.float8_e4m3fn,
            "f8E5M2": ml_dtypes.float8_e5m2}[elem]


def element_dtype(elem):
    if elem in _NP:
        return np.dtype(_NP[elem])
    return np.dtype(_ml_dtype(elem))


def subbyte_width(elem):
    """Bits of a packed sub-byte integer type (ui1..ui7, i1), else None."""
    m = re.fullmatch(r"u?i(\d+)", elem)
    if m and int(m.group(1)) < 8:
        return int(m.group(1))
    return None


def unpack_bits(raw, count, width):
    """`count` unsigned integers of `width` bits, packed LSB first."""
    b = np.frombuffer(raw, dtype=np.uint8)
    if width == 1:
        return np.unpackbits(b, bitorder="little", count=count)
    if width == 4:
        out = np.empty(b.size * 2, dtype=np.uint8)
        out[0::2] = b & 0xF
        out[1::2] = b >> 4
        return out[:count]
    if width == 2:
        out = np.empty(b.size * 4, dtype=np.uint8)
        for i in range(4):
            out[i::4] = (b >> (2 * i)) & 3
        return out[:count]
    bits = np.unpackbits(b, bitorder="little", count=count * width).reshape(count, width)
    return (bits.astype(np.uint16) << np.arange(width, dtype=np.uint16)).sum(
        axis=1).astype(np.uint8)


class TextProgram:
    def __init__(self, path):
        self.path = path
        self._f = open(path, "rb")
        self.mm = mmap.mmap(self._f.fileno(), 0, access=mmap.ACCESS_READ)
        mm = self.mm
        res = mm.rfind(b"\n{-#")
        self._ops_end = res if res >= 0 else len(mm)
        ops = mm[:self._ops_end]
        aliases = {m.group(1).decode(): m.group(2).decode()
                   for m in _LOC_DEF_RE.finditer(ops)}
        self.constants = []
        for m in _CONST_RE.finditer(ops):
            ssa, value, ty, loc = (g.decode() for g in m.groups())
            shape, elem = parse_tensor_type(ty)
            self.constants.append(Constant(ssa, _name_of(loc, aliases), value, shape, elem))
        self.blobs = self._index_resources(res) if res >= 0 else {}

    def close(self):
        self.mm.close()
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _index_resources(self, start):
        mm = self.mm
        sec = mm.find(b"builtin: {", start)
        blobs = {}
        if sec < 0:
            return blobs
        pos = sec + len(b"builtin: {")
        while True:
            colon = mm.find(b': "0x', pos)
            if colon < 0:
                break
            line_start = mm.rfind(b"\n", pos, colon) + 1
            key = mm[line_start:colon].strip().decode()
            if key.startswith('"'):
                key = key[1:-1]
            hex_start = colon + len(b': "0x')
            hex_end = mm.find(b'"', hex_start)
            blobs[key] = (hex_start, hex_end)
            pos = hex_end + 1
        return blobs

    def blob(self, key):
        """The blob's bytes without its 4-byte alignment prefix."""
        s, e = self.blobs[key]
        return binascii.unhexlify(self.mm[s + 8:e])

    def by_name(self):
        """{location name: [Constant, ...]} in program order."""
        out = {}
        for c in self.constants:
            out.setdefault(c.name, []).append(c)
        return out

    def array(self, c):
        """The constant's value as a numpy array of its shape (sub-byte
        integers unpacked to uint8; bf16 / fp8 as ml_dtypes)."""
        width = subbyte_width(c.elem)
        if c.resource is not None:
            raw = self.blob(c.resource)
            if width:
                return unpack_bits(raw, c.numel, width).reshape(c.shape)
            return np.frombuffer(raw, dtype=element_dtype(c.elem)).reshape(c.shape)
        return parse_dense(c.value, c.shape, c.elem)


def parse_dense(value, shape, elem):
    """dense<...> inline: splat, list or hex string."""
    inner = value[len("dense<"):-1].strip()
    width = subbyte_width(elem)
    dt = np.dtype(np.uint8) if width else element_dtype(elem)
    if inner == "":
        return np.zeros(shape, dtype=dt)
    if inner.startswith('"0x'):
        raw = binascii.unhexlify(inner[3:-1])
        if width:
            return unpack_bits(raw, int(np.prod(shape)), width).reshape(shape)
        arr = np.frombuffer(raw, dtype=dt)
        return (np.broadcast_to(arr, shape) if arr.size == 1 else arr.reshape(shape)).copy()
    text = inner.replace("true", "1").replace("false", "0")
    if text.startswith("["):
        vals = [float(v) for v in re.findall(r"[-+0-9.eEinfa]+|0x[0-9A-Fa-f]+", text)]
        return np.array(vals, dtype=np.float64).astype(dt).reshape(shape)
    if text.startswith("0x"):  # a float splat printed as its bits
        bits = int(text, 16)
        raw = bits.to_bytes(dt.itemsize, "little")
        return np.full(shape, np.frombuffer(raw, dtype=dt)[0], dtype=dt)
    return np.full(shape, float(text)).astype(dt)


def to_text(src, dst, mlir_opt="mlir-opt-19"):
    """Writes the generic text form of `src` (text or bytecode) to `dst`."""
    exe = shutil.which(mlir_opt)
    if not exe:
        raise RuntimeError(f"{mlir_opt} not found on PATH")
    subprocess.run([exe, "--allow-unregistered-dialect", "--mlir-print-op-generic",
                    "--mlir-print-debuginfo", src, "-o", dst], check=True)
    return dst


def is_bytecode(path):
    with open(path, "rb") as f:
        return f.read(4) == b"ML\xefR"


def weights(path, names=None):
    """{name: array} of every resource-backed float constant (f16/bf16/f32)
    of a text program, optionally only those in `names`."""
    out = {}
    with TextProgram(path) as p:
        for c in p.constants:
            if c.resource and c.elem in ("f16", "bf16", "f32") and (
                    names is None or c.name in names):
                out[c.name] = np.array(p.array(c))
    return out


if __name__ == "__main__":  # quick look: python mlir_text.py FILE.mlir
    import sys
    with TextProgram(sys.argv[1]) as p:
        for c in p.constants:
            print(c.name, c.elem, c.shape, c.resource or c.value[:40])
        print(len(p.blobs), "blobs;", os.path.getsize(sys.argv[1]), "bytes")
