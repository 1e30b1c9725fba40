"""ResNet-50 layer by layer: Thaw's profile beside OpenVINO's and/or ONNX Runtime's, fastest of several runs per layer.
MobileNetV2 (ORT files of `--only mbv2-b1`) block by block and per kind of layer beside ONNX Runtime (`mobile_main`).

    .build/release/thaw-backbones-bench --only resnet50-b1 --profile --repeats 15 --resnet-weights F > thaw-1.txt
    python3 benchmarks/backbones/openvino_profile.py --only resnet50-b1 --repeats 15 > ov-1.txt
    python3 benchmarks/backbones/ort_profile.py --only resnet50-b1 --repeats 15 > ort-1.txt
    ... (alternate a few times: thaw-2.txt, ov-2.txt, ort-2.txt, ...)
    python3 benchmarks/backbones/compare_profiles.py --thaw thaw-*.txt [--openvino ov-*.txt] [--ort ort-*.txt]

ONNX Runtime's nodes are named after the output they write: `/layer1/layer1.0/relu_1/Relu_output_0_nchwc` is
conv2 with its BatchNorm and ReLU, `.../conv3/Conv_output_0_nchwc` conv3 with the residual add and ReLU, `/relu/...`
the stem. Its lines carry a median beside the fastest; like Thaw's (a median per run), that median is what is
compared (ORT); ORTmin compares its fastest run per node, which a loaded machine disturbs least. GFLOP per layer is Thaw's (its GFLOP/s × ms).

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


def ort_key(node):
    m = re.match(r"/layer\d/(layer[\d.]+)/(relu_1|relu|conv3|downsample)/", node)
    if m:
        return m.group(1) + "." + {"relu": "conv1", "relu_1": "conv2"}.get(m.group(2), m.group(2))
    for prefix, key in (("/relu/", "stem"), ("/maxpool/", "maxpool"), ("/avgpool/", "pool"), ("/fc/", "fc")):
        if node.startswith(prefix):
            return key
    return "reorder"    # ReorderOutput (NCHWc → NCHW) and Flatten


def ort_layers(paths, column="median"):
    """Per layer the least over files of ort_profile.py's median (or, column "fastest", of its fastest run)."""
    best = collections.defaultdict(float)
    for path in paths:
        for line in open(path):
            m = re.match(r"\s*(?P<fastest>[\d.]+) ms\s+\S+\s+median\s+(?P<median>[\d.]+)\s+(?P<name>\S+)", line)
            if m:
                key = ort_key(m.group("name"))
                best[(path, key)] += float(m.group(column))
    fastest = {}
    for (path, key), ms in best.items():
        fastest[key] = min(fastest.get(key, float("inf")), ms)
    return fastest


def thaw_flops(paths):
    """GFLOP per layer from Thaw's lines (GFLOP/s × ms)."""
    flops = {}
    for path in paths:
        for line in open(path):
            m = re.match(r"(?P<name>\S+) rows\s+\d+\s+(?P<ms>[\d.]+) ms\s+[\d.]+%\s+(?P<rate>[\d.]+) GFLOP/s", line)
            if m:
                flops[m.group("name").replace("+add", "")] = float(m.group("rate")) * float(m.group("ms")) / 1e3
    return flops


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


def mobile_thaw_layers(paths):
    """Lite0 / MobileNetV2 `--profile` lines (`blocks.3.expand  0.185 ms ...`): the least median per layer."""
    return fastest(paths, r"(?P<name>\S+)\s+(?P<ms>[\d.]+) ms\s+[\d.]+%\s+[\d.]+ GFLOP/s", lambda name: name)


def mobile_ort_key(node):
    """MobileNetV2's ONNX nodes as Thaw's layer names: /features.N/conv/conv.M is block N − 1's expand (M = 0, N ≥ 2),
    depthwise (conv.1, or conv.0 in block 0) or project (the last); /features.0 the stem, /features.18 the head."""
    m = re.match(r"/features\.(\d+)/conv/conv\.(\d)/", node)
    if m:
        block, layer = int(m.group(1)) - 1, int(m.group(2))
        names = ["depthwise", "project"] if block == 0 else ["expand", "depthwise", "project"]
        return f"blocks.{block}.{names[layer]}"
    if node.startswith("/features.0/"):
        return "stem"
    if node.startswith("/features.18/"):
        return "head"
    if "ReduceMean" in node:
        return "pool"
    return "fc" if "classifier" in node else "reorder"


def mobile_main(thaw_paths, ort_paths):
    """Per block: Thaw as run (fused/phased), Thaw layer by layer, ONNX Runtime's nodes (each fuses its activation and
    the residual add); then per kind (expand, depthwise 3×3 stride 1 / 2, project, stem, head, pool + fc) in µs per
    forward with Thaw − ORT (> 0: ORT spends less)."""
    thaw = mobile_thaw_layers(thaw_paths)
    ort = collections.defaultdict(lambda: float("inf"))
    for path in ort_paths:
        per = collections.defaultdict(float)
        for line in open(path):
            m = re.match(r"\s*(?P<fastest>[\d.]+) ms\s+\S+\s+median\s+(?P<median>[\d.]+)\s+(?P<name>\S+)", line)
            if m:
                per[mobile_ort_key(m.group("name"))] += float(m.group("median"))
        for key, ms in per.items():
            ort[key] = min(ort[key], ms)
    blocks = sorted({int(k.split(".")[1]) for k in thaw if k.startswith("blocks.")})
    print(f"{'block':10} {'Thaw as run':>11} {'Thaw layers':>11} {'ORT':>8} {'run−ORT µs':>10}   expand / depthwise / project (Thaw | ORT, ms)")
    kinds = collections.OrderedDict()
    def add(kind, t, o):
        k = kinds.setdefault(kind, [0.0, 0.0])
        k[0] += t
        k[1] += o
    for b in blocks:
        layers = [(n, thaw.get(f"blocks.{b}.{n}")) for n in ("expand", "depthwise3s1", "depthwise3s2", "depthwise5s1", "depthwise5s2", "project")]
        layers = [(n, t) for n, t in layers if t is not None]
        add_ms = thaw.get(f"blocks.{b}.add", 0.0)
        run = next((thaw[k] for k in (f"blocks.{b}.block-fused", f"blocks.{b}.block-phased", f"blocks.{b}.block-layered") if k in thaw), None)
        o = {n: ort.get(f"blocks.{b}.{n}", 0.0) for n in ("expand", "depthwise", "project")}
        total_o = sum(o.values())
        split = " / ".join(f"{t:.3f}|{o['depthwise' if n.startswith('depthwise') else n]:.3f}" for n, t in layers)
        layered = sum(t for _, t in layers) + add_ms
        run = run if run is not None else layered
        print(f"blocks.{b:<3} {run:11.3f} {layered:11.3f} {total_o:8.3f} {1e3 * (run - total_o):10.0f}   {split}")
        for n, t in layers:
            add("depthwise 3x3 s2" if n == "depthwise3s2" else "depthwise " + n[9:] if n.startswith("depthwise") else n,
                t, o["depthwise" if n.startswith("depthwise") else n])
        add("blocks as run", run, total_o)
    for key in ("stem", "head"):
        add(key, thaw.get(f"{key}.block-as-run", thaw.get(key, 0.0)), ort.get(key, 0.0))
    add("pool + fc", thaw.get("pool", 0.0) + thaw.get("fc", 0.0), ort.get("pool", 0.0) + ort.get("fc", 0.0) + ort.get("reorder", 0.0))
    print(f"\n{'kind (ms per forward)':24} {'Thaw':>8} {'ORT':>8} {'Thaw/ORT':>8} {'Thaw−ORT µs':>11}")
    for kind, (t, o) in kinds.items():
        print(f"{kind:24} {t:8.3f} {o:8.3f} {t / o if o else float('nan'):8.2f} {1e3 * (t - o):11.0f}")
    whole_t = sum(kinds[k][0] for k in ("blocks as run", "stem", "head", "pool + fc"))
    whole_o = sum(kinds[k][1] for k in ("blocks as run", "stem", "head", "pool + fc"))
    print(f"{'forward (as run)':24} {whole_t:8.3f} {whole_o:8.3f} {whole_t / whole_o:8.2f} {1e3 * (whole_t - whole_o):11.0f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--thaw", nargs="+", required=True, help="thaw-backbones-bench --profile outputs")
    ap.add_argument("--openvino", nargs="+", default=[], help="openvino_profile.py outputs")
    ap.add_argument("--ort", nargs="+", default=[], help="ort_profile.py outputs")
    a = ap.parse_args()
    if any("/features." in line for path in a.ort for line in open(path)):
        return mobile_main(a.thaw, a.ort)      # MobileNetV2 (`--only mbv2-b1`): blocks, not ResNet layers
    thaw, flops = thaw_layers(a.thaw), thaw_flops(a.thaw)
    peers = [(name, table) for name, table in (("ORT", ort_layers(a.ort) if a.ort else None),
                                               ("ORTmin", ort_layers(a.ort, "fastest") if a.ort else None),
                                               ("OV", openvino_layers(a.openvino) if a.openvino else None)) if table]
    nan = float("nan")
    head = "".join(f" {n + ' ms':>8} {'Thaw/' + n:>8}" for n, _ in peers)
    print(f"{'layer':24} {'GFLOP':>6} {'Thaw ms':>8}{head}")
    groups = collections.OrderedDict()
    for key, t in thaw.items():
        cells = ""
        g = groups.setdefault(kind(key), [0.0, 0.0] + [0.0] * len(peers))
        g[0] += t
        g[1] += flops.get(key, 0.0)
        for i, (_, table) in enumerate(peers):
            o = table.get(key)
            cells += f" {o if o is not None else nan:8.3f} {t / o if o else nan:8.2f}"
            g[2 + i] += o or 0.0
        print(f"{key:24} {flops.get(key, 0.0):6.3f} {t:8.3f}{cells}")
    for name, table in peers:
        print(f"{name + ' input/output reorder':24} {'':6} {'':8} {table.get('reorder', 0.0):8.3f}")
    print(f"\n{'kind':24} {'GFLOP':>6} {'Thaw ms':>8}{head}")
    for name, g in groups.items():
        cells = "".join(f" {o:8.2f} {g[0] / o if o else nan:8.2f}" for o in g[2:])
        print(f"{name:24} {g[1]:6.2f} {g[0]:8.2f}{cells}")
    total_t = sum(g[0] for g in groups.values())
    cells = ""
    for i, (_, table) in enumerate(peers):
        total_o = sum(g[2 + i] for g in groups.values()) + table.get("reorder", 0.0)
        cells += f" {total_o:8.2f} {total_t / total_o:8.2f}"
    print(f"{'sum':24} {sum(g[1] for g in groups.values()):6.2f} {total_t:8.2f}{cells}")


if __name__ == "__main__":
    main()
