"""ResNet-50 layer by layer: Thaw's profile beside OpenVINO's, fastest of several runs per layer.

    .build/release/thaw-backbones-bench --only resnet50-b1 --profile --repeats 15 --resnet-weights F > thaw-1.txt
    python3 benchmarks/backbones/openvino_profile.py --only resnet50-b1 --repeats 15 > ov-1.txt
    ... (alternate a few times: thaw-2.txt, ov-2.txt, ...)
    python3 benchmarks/backbones/compare_profiles.py --thaw thaw-*.txt --openvino ov-*.txt

Thaw's lines are `name rows R  T ms ...` (a block's last convolution is `conv3+add`: OpenVINO fuses the add and
the ReLU into that convolution too); OpenVINO's node names are the ONNX export's (`/layer2/layer2.1/conv1/Conv/...`).
Prints per layer the fastest time on each side and the ratio Thaw/OpenVINO, then the sums per kind of layer (stem,
max-pool, 1×1 conv1 / conv3, 3×3 stride 1, 3×3 stride 2, downsample, pool, fc). OpenVINO's input reorder (NCHW →
its blocked layout) is listed on its own.
"""
import argparse
import collections
import re


def fastest(paths, pattern, key_of):
    """The fastest time per layer over profile files: `pattern` matches a line into (name, ms) groups by name."""
    best = collections.defaultdict(lambda: float("inf"))
    for path in paths:
        for line in open(path):
            m = re.match(pattern, line)
            if m:
                key = key_of(m.group("name"))
                best[key] = min(best[key], float(m.group("ms")))
    return best


def thaw_layers(paths):
    return fastest(paths, r"(?P<name>\S+) rows\s+\d+\s+(?P<ms>[\d.]+) ms", lambda name: name.replace("+add", ""))


def openvino_key(node):
    m = re.match(r"/layer\d/(layer[\d.]+)/(conv\d|downsample)", node)
    if m:
        return m.group(1) + "." + m.group(2)
    if "abcd" in node:
        return "reorder"
    if node.startswith("/conv1/"):
        return "stem"
    if "maxpool" in node:
        return "maxpool"
    if "avgpool" in node:
        return "pool"
    return "fc" if node == "output" else node


def openvino_layers(paths):
    return fastest(paths, r"\s*(?P<ms>[\d.]+) ms\s+\S+\s+\S+\s+(?P<name>\S+)", openvino_key)


def kind(key):
    if key in ("stem", "maxpool", "pool", "fc"):
        return key
    if key.endswith("downsample"):
        return "downsample 1x1"
    if key.endswith("conv2"):
        stage, block = key.split(".")[0], key.split(".")[1]
        return "3x3 stride 2" if block == "0" and stage != "layer1" else "3x3 stride 1"
    return "1x1 " + key.split(".")[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thaw", nargs="+", required=True, help="thaw-backbones-bench --profile outputs")
    ap.add_argument("--openvino", nargs="+", required=True, help="openvino_profile.py outputs")
    a = ap.parse_args()
    thaw, ov = thaw_layers(a.thaw), openvino_layers(a.openvino)
    groups = collections.OrderedDict()
    print(f"{'layer':24} {'Thaw ms':>8} {'OV ms':>8} {'Thaw/OV':>8}")
    for key, t in thaw.items():
        o = ov.get(key)
        print(f"{key:24} {t:8.3f} {o if o is not None else float('nan'):8.3f} {t / o if o else float('nan'):8.2f}")
        g = groups.setdefault(kind(key), [0.0, 0.0])
        g[0] += t
        g[1] += o or 0.0
    print(f"{'OpenVINO input reorder':24} {'':8} {ov.get('reorder', 0.0):8.3f}")
    print(f"\n{'kind':24} {'Thaw ms':>8} {'OV ms':>8} {'Thaw/OV':>8}")
    for name, (t, o) in groups.items():
        print(f"{name:24} {t:8.2f} {o:8.2f} {t / o if o else float('nan'):8.2f}")
    total_t = sum(g[0] for g in groups.values())
    total_o = sum(g[1] for g in groups.values()) + ov.get("reorder", 0.0)
    print(f"{'sum':24} {total_t:8.2f} {total_o:8.2f} {total_t / total_o:8.2f}")


if __name__ == "__main__":
    main()
