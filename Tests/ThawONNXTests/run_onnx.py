"""Runs an ONNX model with ONNX Runtime on .npy inputs; writes every output as OUT_DIR/<name>.npy.

    python3 run_onnx.py MODEL.onnx OUT_DIR NAME=INPUT.npy [NAME=INPUT.npy ...]

Used by ThawONNXTests (the Swift side writes the inputs Thaw preprocessed and compares the
outputs with Thaw's own forward). The model is first checked by onnx.checker with full shape
inference, so a malformed file fails here with onnx's message rather than inside the runtime.
Needs: pip install onnx==1.23.2 onnxruntime==1.32.0 (scripts/deps.sh --test).
"""
import os
import sys

import numpy as np

try:
    import onnx
    import onnxruntime as ort
except ImportError as error:
    sys.exit(f"run_onnx.py: {error}. Fix: pip install onnx==1.23.2 onnxruntime==1.32.0")


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    model_path, out_dir = argv[1], argv[2]
    feeds = {}
    for pair in argv[3:]:
        name, _, path = pair.partition("=")
        feeds[name] = np.load(path)
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, feeds)
    for info, value in zip(session.get_outputs(), outputs):
        np.save(os.path.join(out_dir, info.name + ".npy"), np.ascontiguousarray(value, dtype=np.float32))
    print(f"onnxruntime {ort.__version__}: ran {os.path.basename(model_path)} "
          f"({os.path.getsize(model_path)} bytes) on {', '.join(f'{k}{list(v.shape)}' for k, v in feeds.items())}")


if __name__ == "__main__":
    main(sys.argv)
