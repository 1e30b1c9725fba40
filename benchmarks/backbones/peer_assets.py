"""What the backbone benchmark's peers share, written once before the timed rounds (run.py calls it).

    python3 benchmarks/backbones/peer_assets.py --cases lite0-b1,resnet50-b32,minilm-b32 [--dir D] [--force]

Per case, into D (default $XDG_CACHE_HOME/thaw/bench-backbones, i.e. ~/.cache/thaw/bench-backbones):
  <case>.onnx         torch.onnx.export of torch_side.build_model(family) — the definition the PyTorch peer runs —
                      with the TorchScript exporter, opset 17, static shapes, constants folded
  <case>.input.npz    the input every engine reads: pixels float32 NCHW, or MiniLM's ids and mask int64
  <case>.input.bin    the same for Thaw (--input): pixels float32 NHWC, or ids then mask as int32
and per family the weights Thaw reads for the seeded models: resnet50.safetensors (seeded_weights.py recipe,
torchvision keys), vits14.safetensors (scripts/reference/vit.py, timm keys). Files already
there are kept unless --force. Prints one JSON line: {"dir": D, "cases": [...]}.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True   # no __pycache__ beside the Swift target's sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_side  # noqa: E402  (also puts scripts/reference on sys.path)
import vit as vit_reference  # noqa: E402

OPSET = 17


def default_dir():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "thaw", "bench-backbones")


def write_atomically(path, write):
    """write(tmp) then rename: an interrupted run never leaves a half-written file under the real name."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_safetensors(state, path):
    from safetensors.torch import save_file
    tensors = {k: v.detach().contiguous() for k, v in state.items() if not k.endswith("num_batches_tracked")}
    write_atomically(path, lambda tmp: save_file(tensors, tmp))


def seeded_weights_file(family, directory):
    """Weights Thaw loads for the seeded families (equal, tensor for tensor, to torch_side.build_model's)."""
    path = os.path.join(directory, f"{family}.safetensors")
    if family == "resnet50":
        state = torch_side.build_model("resnet50").state_dict()
    elif family == "vits14":
        m = torch_side.SeededViTS14()
        state = vit_reference.state_dict(m.spec, vit_reference.seeded_parameters(m.spec, 2026), "timm")
    else:
        return None
    if not os.path.exists(path):
        save_safetensors(state, path)
    return path


def export_onnx(model, args, names, path):
    def write(tmp):
        with torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(model, args, tmp, opset_version=OPSET, dynamo=False, do_constant_folding=True,
                              input_names=names, output_names=["output"])
    write_atomically(path, write)


def prepare(case, directory, force):
    family, batch = torch_side.family_and_batch(case)
    onnx_path = os.path.join(directory, f"{case}.onnx")
    npz_path = os.path.join(directory, f"{case}.input.npz")
    bin_path = os.path.join(directory, f"{case}.input.bin")
    weights = seeded_weights_file(family, directory)
    if not force and all(os.path.exists(p) for p in (onnx_path, npz_path, bin_path)):
        return {"case": case, "onnx": onnx_path, "input": bin_path, "weights": weights, "exported": False}
    x = torch_side.seeded_input(family, batch)
    if family == "minilm":
        ids, mask = x
        write_atomically(npz_path, lambda tmp: np.savez(open(tmp, "wb"), ids=ids, mask=mask))
        raw = np.concatenate([ids.astype(np.int32).reshape(-1), mask.astype(np.int32).reshape(-1)])
        args, names = (torch.from_numpy(ids), torch.from_numpy(mask)), ["ids", "mask"]
    else:
        write_atomically(npz_path, lambda tmp: np.savez(open(tmp, "wb"), pixels=x))
        raw = np.ascontiguousarray(x.transpose(0, 2, 3, 1))   # Thaw takes NHWC
        args, names = (torch.from_numpy(x),), ["pixels"]
    write_atomically(bin_path, lambda tmp: raw.astype("<" + raw.dtype.str[1:]).tofile(tmp))
    t0 = time.perf_counter()
    export_onnx(torch_side.build_model(family), args, names, onnx_path)
    print(f"exported {case} to {onnx_path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return {"case": case, "onnx": onnx_path, "input": bin_path, "weights": weights, "exported": True}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True, help="comma-separated, e.g. lite0-b1,lite0-b32,resnet50-b1,minilm-b32")
    ap.add_argument("--dir", default=default_dir())
    ap.add_argument("--force", action="store_true", help="re-export and rewrite every file")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    torch.set_num_threads(2)
    cases = [prepare(c, a.dir, a.force) for c in a.cases.split(",")]
    print(json.dumps({"dir": a.dir, "torch": torch.__version__, "opset": OPSET, "cases": cases}))


if __name__ == "__main__":
    main()
