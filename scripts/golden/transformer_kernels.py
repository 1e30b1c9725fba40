"""Golden inputs/outputs for ThawKernels' transformer kernels (linear, layer norm, softmax, GELU,
embeddings, BERT self-attention with a padding mask, masked mean pooling + L2).

Reference: torch.nn.functional, and BERT self-attention written out as Hugging Face lays it out
(attention.self.query/key/value, attention.output.dense; additive key mask = finfo.min on padding).

Seed: torch.manual_seed(0). Run from the repository root:
    python3 scripts/golden/transformer_kernels.py

Writes Tests/ThawKernelsTests/Fixtures/transformer_<case>_<tensor>.bin (raw little-endian float32;
integer tensors too, stored as float32 values) and transformer_manifest.json ({name: shape}).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ThawKernelsTests", "Fixtures")
manifest = {}


def save(name, t):
    t = t.detach().to(torch.float32).contiguous()
    manifest[name] = list(t.shape)
    t.numpy().astype("<f4").tofile(os.path.join(OUT, f"transformer_{name}.bin"))


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)

    # Linear: x[N,in] · Wᵀ + b, weight [out,in] as PyTorch stores it.
    x = torch.randn(37, 48)
    w = torch.randn(40, 48) / math.sqrt(48)
    b = torch.randn(40)
    save("linear_x", x); save("linear_w", w); save("linear_b", b)
    save("linear_y", F.linear(x, w, b))

    # Layer norm over the last axis, BERT eps 1e-12; rows with a large offset test the two-pass variance.
    x = torch.randn(50, 384) * 3 + torch.linspace(-100, 100, 50)[:, None]
    g = 1 + 0.1 * torch.randn(384)
    be = 0.1 * torch.randn(384)
    save("layernorm_x", x); save("layernorm_g", g); save("layernorm_b", be)
    # Reference in float64: float32 torch itself is off by ~5e-6 on these offset rows.
    save("layernorm_y", F.layer_norm(x.double(), (384,), g.double(), be.double(), eps=1e-12))

    # Softmax over rows, with logits large enough to overflow a naive exp.
    x = torch.randn(29, 67) * 30
    x[3] = 100.0
    x[4, :10] = -1e30
    save("softmax_x", x); save("softmax_y", F.softmax(x, dim=-1))

    # GELU, erf form, computed in float64 then rounded.
    x = torch.cat([torch.linspace(-12, 12, 4801), torch.randn(999) * 3])
    save("gelu_x", x); save("gelu_y", F.gelu(x.double(), approximate="none").float())

    # Embeddings: word + position + token type (sum before the embedding LayerNorm).
    V, P, TT, C, B, T = 50, 20, 2, 16, 3, 7
    word, pos, typ = torch.randn(V, C), torch.randn(P, C), torch.randn(TT, C)
    ids = torch.randint(0, V, (B, T))
    types = torch.randint(0, TT, (B, T))
    save("embedding_word", word); save("embedding_pos", pos); save("embedding_type", typ)
    save("embedding_ids", ids); save("embedding_types", types)
    save("embedding_y", word[ids] + pos[torch.arange(T)][None] + typ[types])

    # BERT self-attention (HF layout) with right padding; lengths include a single-token row.
    B, T, C, H = 4, 11, 48, 4
    D = C // H
    x = torch.randn(B, T, C)
    lengths = [11, 6, 1, 9]
    mask = torch.zeros(B, T)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    lin = {k: torch.nn.Linear(C, C) for k in ["query", "key", "value", "output"]}
    for k, m in lin.items():
        save(f"attention_{k}_w", m.weight); save(f"attention_{k}_b", m.bias)

    def heads(t):  # [B,T,C] → [B,H,T,D]
        return t.view(B, T, H, D).transpose(1, 2)

    q, k, v = heads(lin["query"](x)), heads(lin["key"](x)), heads(lin["value"](x))
    scores = q @ k.transpose(-1, -2) / math.sqrt(D)
    scores = scores + (1 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
    probs = scores.softmax(-1)
    ctx = (probs @ v).transpose(1, 2).reshape(B, T, C)
    y = lin["output"](ctx)
    save("attention_x", x); save("attention_mask", mask); save("attention_probs", probs)
    save("attention_y", y)
    # Cross-check against torch's own multi-head attention (same weights, key padding mask).
    mha = torch.nn.MultiheadAttention(C, H, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([lin[k].weight for k in ["query", "key", "value"]]))
        mha.in_proj_bias.copy_(torch.cat([lin[k].bias for k in ["query", "key", "value"]]))
        mha.out_proj.weight.copy_(lin["output"].weight); mha.out_proj.bias.copy_(lin["output"].bias)
    y2, _ = mha(x, x, x, key_padding_mask=mask == 0)
    assert torch.allclose(y, y2, atol=1e-5), (y - y2).abs().max()

    # Mean pooling over unmasked tokens, then L2 (sentence-transformers).
    s = (y * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    save("meanpool_y", F.normalize(s, p=2, dim=1))
    save("meanpool_unnormalized_y", s)

    with open(os.path.join(OUT, "transformer_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, f"transformer_{n}.bin")) for n in manifest)
    print(f"{len(manifest)} tensors, {total} bytes")


if __name__ == "__main__":
    main()
