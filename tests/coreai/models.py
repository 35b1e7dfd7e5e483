"""The PyTorch models the conformance suite converts with coreai-torch.

Each builder returns (module, example inputs).  Weights are small (a few
thousand elements each) so the whole matrix runs in minutes, but every weight
the suite means to compress is above the CLI threshold the suite passes
(WEIGHT_THRESHOLD), and biases / norms stay below it or feed ops that are not
eligible (spec section 2).  The cache key of a converted program is a hash of
this file, so editing a model rebuilds it.
"""
import torch
from torch import nn

# Passed as --weight-num-threshold: the smallest weight the suite wants compressed
# (the depthwise conv, 16x1x3x3 = 144 elements) is above it, biases (<= 64) are below.
WEIGHT_THRESHOLD = 96


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 64)
        self.fc2 = nn.Linear(64, 48)
        self.fc3 = nn.Linear(48, 16)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class TiedBlock(nn.Module):
    """Embedding (lowered to gather_nd) -> pre-norm attention + MLP -> tied head."""

    def __init__(self, vocab=64, dim=32, heads=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, 2 * dim)
        self.down = nn.Linear(2 * dim, dim)
        self.heads = heads

    def forward(self, ids):
        h = self.embed(ids)                                  # [B, S, D]
        b, s, d = h.shape
        q, k, v = self.qkv(self.norm1(h)).chunk(3, dim=-1)
        split = lambda t: t.reshape(b, s, self.heads, d // self.heads).transpose(1, 2)
        att = torch.softmax(split(q) @ split(k).transpose(-1, -2) / (d // self.heads) ** 0.5, -1)
        h = h + self.proj((att @ split(v)).transpose(1, 2).reshape(b, s, d))
        h = h + self.down(torch.relu(self.up(self.norm2(h))))
        return h @ self.embed.weight.t()                     # tied head: same constant


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                                dropout=0.0, batch_first=True)

    def forward(self, x):
        return self.layer(x)


class ConvNet(nn.Module):
    """A plain 3x3 conv, a grouped conv, a depthwise conv and a 1x1 conv, then a linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(4, 16, 3, padding=1)
        self.grouped = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.depthwise = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.pointwise = nn.Conv2d(16, 24, 1)
        self.head = nn.Linear(24, 10)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.grouped(x))
        x = torch.relu(self.depthwise(x))
        x = torch.relu(self.pointwise(x))
        return self.head(x.mean(dim=(2, 3)))


def _float_input(*shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(1))


BUILDERS = {
    "mlp": lambda: (MLP(), (_float_input(2, 32),)),
    "tied_block": lambda: (TiedBlock(), (torch.randint(0, 64, (1, 8), dtype=torch.int32,
                                                        generator=torch.Generator().manual_seed(2)),)),
    "encoder": lambda: (Encoder(), (_float_input(1, 8, 32),)),
    "convnet": lambda: (ConvNet(), (_float_input(1, 4, 8, 8),)),
}
PROGRAMS = list(BUILDERS)
DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def build(name, dtype):
    """The model and its inputs in DTYPE (integer inputs stay integer), seeded."""
    torch.manual_seed(0)
    model, inputs = BUILDERS[name]()
    model = model.to(DTYPES[dtype]).eval()
    inputs = tuple(t.to(DTYPES[dtype]) if t.is_floating_point() else t for t in inputs)
    return model, inputs
