"""Makes examples/tiny_transformer.aimodel: a small decoder-style transformer
(token embedding, 2 pre-norm blocks of self-attention and MLP, LM head; about
0.9 M parameters, f32) with fixed random weights, converted once with
coreai-torch (debug info on, the converter's default) and saved with
``AIProgram.save_asset``.  Its input is ``ids``: int32 token ids of shape
[1, 16]; its output the logits [1, 16, 512].

    python python/scripts/make_example_aimodel.py examples/tiny_transformer.aimodel
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import coreai_torch
import torch

VOCAB, DIM, HEADS, FF, LAYERS, SEQ = 512, 128, 4, 512, 2, 16


class Block(torch.nn.Module):
    """Pre-norm self-attention and MLP."""

    def __init__(self) -> None:
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(DIM)
        self.qkv = torch.nn.Linear(DIM, 3 * DIM)
        self.proj = torch.nn.Linear(DIM, DIM)
        self.norm2 = torch.nn.LayerNorm(DIM)
        self.up = torch.nn.Linear(DIM, FF)
        self.down = torch.nn.Linear(FF, DIM)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block."""
        b, t, _ = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(DIM, dim=-1)
        q, k, v = (y.reshape(b, t, HEADS, DIM // HEADS).transpose(1, 2) for y in (q, k, v))
        att = torch.softmax(q @ k.transpose(-1, -2) / (DIM // HEADS) ** 0.5, dim=-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, t, DIM))
        return x + self.down(torch.nn.functional.gelu(self.up(self.norm2(x))))


class TinyTransformer(torch.nn.Module):
    """Embedding, blocks, final norm and LM head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, DIM)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = torch.nn.LayerNorm(DIM)
        self.head = torch.nn.Linear(DIM, VOCAB, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Return the logits."""
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def main() -> None:
    """Convert and save the model to the path given on the command line."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/tiny_transformer.aimodel")
    torch.manual_seed(0)
    model = TinyTransformer().eval()
    ids = torch.randint(0, VOCAB, (1, SEQ), dtype=torch.int32)
    conv = coreai_torch.TorchConverter()
    conv.add_pytorch_module(model, export_fn=lambda m: torch.export.export(m, args=(ids,))
                            .run_decompositions(coreai_torch.get_decomp_table()))
    program = conv.to_coreai()
    if out.exists():
        shutil.rmtree(out)
    program.save_asset(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
