#!/usr/bin/env python3
"""Hostile PyTorch checkpoints for ThawWeightsTests (HostileWeightsTests), written without torch.

Command (from the repository root):
    python3 scripts/golden/hostile_weights.py
No seed, no torch: stand-in `torch` / `torch._utils` modules let the standard pickler write exactly
what `torch.save(obj, f, _use_new_zipfile_serialization=False)` writes (magic, protocol 1001,
sys_info, the object with storages as persistent ids, the storage keys, then per storage an int64
element count and its raw bytes). Nothing here is ever executed by the reader.

Writes into Tests/ThawWeightsTests/Fixtures/:
  stride0_huge_legacy.pt   one float32 storage of 1 element, viewed as [100000, 100000] with strides
                           (0, 0): fits its storage, but materialising it would take 40 GB
  intmax_shape_legacy.pt   the same storage viewed as [2**63 - 1] with stride (0,): the byte count
                           overflows 64 bits
  int_str_keys_legacy.pt   a dict with int key 1 and string key "1", each a tensor: both flatten to "1"
"""
import collections, os, pickle, struct, sys, types

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "ThawWeightsTests", "Fixtures")

torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
class FloatStorage: pass
FloatStorage.__module__ = "torch"
def _rebuild_tensor_v2(*args): raise RuntimeError("never called")
_rebuild_tensor_v2.__module__ = "torch._utils"
torch.FloatStorage, torch._utils, utils._rebuild_tensor_v2 = FloatStorage, utils, _rebuild_tensor_v2
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

class Storage:
    def __init__(self, key, values): self.key, self.values = key, values

class View:
    def __init__(self, storage, offset, size, stride): self.args = (storage, offset, tuple(size), tuple(stride))
    def __reduce__(self):
        return (_rebuild_tensor_v2, self.args + (False, collections.OrderedDict()))

class Pickler(pickle.Pickler):
    def __init__(self, f, storages):
        super().__init__(f, protocol=2)
        self.storages = storages
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            self.storages[obj.key] = obj
            return ("storage", FloatStorage, obj.key, "cpu", len(obj.values))
        return None

def save_legacy(obj, name):
    path = os.path.join(OUT, name)
    storages = {}
    with open(path, "wb") as f:
        pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        Pickler(f, storages).dump(obj)
        keys = sorted(storages)
        pickle.dump(keys, f, protocol=2)
        for k in keys:
            values = storages[k].values
            f.write(struct.pack("<q", len(values)) + struct.pack("<%df" % len(values), *values))
    print(name, os.path.getsize(path), "bytes")

one = Storage("0", [1.5])
save_legacy(collections.OrderedDict([("w", View(one, 0, [100000, 100000], [0, 0]))]), "stride0_huge_legacy.pt")
save_legacy(collections.OrderedDict([("w", View(one, 0, [2**63 - 1], [0]))]), "intmax_shape_legacy.pt")
two = Storage("0", [1.0, 2.0])
save_legacy({1: View(two, 0, [1], [1]), "1": View(two, 1, [1], [1])}, "int_str_keys_legacy.pt")
