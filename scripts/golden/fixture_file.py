"""One golden case as the Swift tests read it: NAME.bin holds float32 arrays back to back (little-endian),
NAME.json maps each key to its shape and offset (in floats) and carries the case's `meta` dictionary."""
import json
import os

import numpy as np


class FixtureFile:
    def __init__(self, folder, name, newline=False):
        # newline: end NAME.json with "\n" (the cases that were first written that way keep their bytes).
        self.folder, self.name, self.newline = folder, name, newline
        self.arrays, self.chunks, self.offset, self.meta = {}, [], 0, {}

    def add(self, key, t):
        a = t.detach().float().numpy().astype("<f4").ravel()
        self.arrays[key] = {"shape": list(t.shape), "offset": self.offset}
        self.chunks.append(a)
        self.offset += a.size

    def save(self):
        np.concatenate(self.chunks).tofile(os.path.join(self.folder, self.name + ".bin"))
        with open(os.path.join(self.folder, self.name + ".json"), "w") as f:
            json.dump({"arrays": self.arrays, "meta": self.meta}, f, indent=1)
            if self.newline:
                f.write("\n")
        print(self.name, self.offset * 4, "bytes")
