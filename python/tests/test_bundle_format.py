"""load_bundle refuses what docs/bundle-format.md does not allow, naming the file and the tensor or field."""
import json
import struct

import numpy as np
import pytest

import thaw
from bundle_files import description, random_head, safetensors_bytes, write_bundle

MLP = description([6], head_type="mlp", hidden=[4], layer_norm=True)


@pytest.fixture
def mlp_file(tmp_path):
    return write_bundle(tmp_path / "mlp.safetensors", MLP, random_head(MLP))


def rewrite_header(path, change):
    """Applies change(header dict) to a bundle's JSON header, keeping its data bytes."""
    blob = path.read_bytes()
    (n,) = struct.unpack_from("<Q", blob)
    header = json.loads(blob[8:8 + n])
    change(header)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + blob[8 + n:])


def test_a_sound_bundle_loads(mlp_file):
    b = thaw.load_bundle(mlp_file)
    assert b.head == {"type": "mlp", "hidden": [4], "activation": "relu", "layerNorm": True}
    assert b.tap_info["dtype"] == "f16" and b.classes == ["a", "b", "c"]
    assert "mlp 4 head on pool [6] f16, pooling none, 3 classes" in repr(b)


def test_plain_safetensors_without_format_are_refused(tmp_path):
    path = tmp_path / "weights.safetensors"
    path.write_bytes(safetensors_bytes({"out.weight": np.zeros((3, 6))}, {"tap": "pool"}))
    with pytest.raises(thaw.BundleError, match=r"weights.safetensors: not a Thaw bundle: the safetensors metadata has no "
                                               r"`format`.*Fix: export the head again with `thaw fit --export FILE`"):
        thaw.load_bundle(path)


def test_another_format_version_is_refused(tmp_path):
    path = write_bundle(tmp_path / "b.safetensors", MLP, random_head(MLP), {"format": "thaw-bundle-2", "bundle": "{}"})
    with pytest.raises(thaw.BundleError, match=r"bundle format 'thaw-bundle-2' is not 'thaw-bundle-1'"):
        thaw.load_bundle(path)


def test_finetuned_bundles_point_to_thaw_predict_and_onnx(tmp_path):
    d = description([1000], kind="finetuned", tap="fc")
    d["head"], d["pooling"] = {"type": "finetuned"}, "none"
    path = write_bundle(tmp_path / "ft.safetensors", d, {"_fc.weight": np.zeros((2, 2))})
    with pytest.raises(thaw.BundleError, match=r"ft.safetensors: this is a `finetuned` bundle.*needs the backbone.*"
                                               r"Fix: run it with `thaw predict --bundle .*ft.safetensors INPUT…`, or export "
                                               r"it with `thaw export --bundle .* --onnx model.onnx`"):
        thaw.load_bundle(path)


@pytest.mark.parametrize("change, message", [
    (lambda h: h["head.fc1.bias"].update(dtype="F16"), r"tensor 'head.fc1.bias' has dtype 'F16'; bundles hold F32 tensors only"),
    (lambda h: h["head.fc1.bias"].update(shape=[5]), r"tensor 'head.fc1.bias': shape \[5\] needs 20 bytes but data_offsets"),
    (lambda h: h["head.fc1.bias"].update(shape=[-4]), r"tensor 'head.fc1.bias' has shape \[-4\]"),
    (lambda h: h["head.fc1.weight"].update(data_offsets=[0, 96]), r"tensor .head.fc1.weight.: data_offsets \[0, 96\] overlaps the tensor before it"),
    (lambda h: h["head.out.weight"].update(data_offsets=[10_000, 10_048]), r"tensor 'head.out.weight': data_offsets end at byte 10048"),
    (lambda h: h.update(__metadata__={"format": 1}), r"__metadata__ must map names to strings"),
])
def test_bad_safetensors_headers_are_refused(mlp_file, change, message):
    rewrite_header(mlp_file, change)
    with pytest.raises(thaw.BundleError, match=message):
        thaw.load_bundle(mlp_file)


def test_truncated_files_are_refused(mlp_file):
    blob = mlp_file.read_bytes()
    for cut, message in [(5, r"the file is 5 bytes, too short"), (40, r"the header claims \d+ bytes but the file has 32"),
                         (len(blob) - 4, r"data_offsets end at byte \d+ of a \d+-byte data section.*truncated")]:
        mlp_file.write_bytes(blob[:cut])
        with pytest.raises(thaw.BundleError, match=message):
            thaw.load_bundle(mlp_file)
    mlp_file.write_bytes(blob + b"\0\0\0\0")
    with pytest.raises(thaw.BundleError, match=r"the tensors cover \d+ bytes of a \d+-byte data section"):
        thaw.load_bundle(mlp_file)


def test_tensors_must_match_the_description(tmp_path):
    t = random_head(MLP)
    cases = [
        ({k: v for k, v in t.items() if k != "head.ln1.bias"}, r"disagree with its description \(missing head.ln1.bias\)"),
        ({**t, "head.fc2.weight": np.zeros((2, 4))}, r"unexpected head.fc2.weight"),
        ({**t, "head.fc1.weight": np.zeros((4, 7))}, r"tensor head.fc1.weight has shape \[4, 7\], expected \[4, 6\]"),
        ({**t, "head.out.weight": np.zeros((2, 4))}, r"tensor head.out.weight has shape \[2, 4\], expected \[3, 4\].*3 classes"),
        ({**t, "head.out.bias": np.array([0, np.nan, 0])}, r"tensor head.out.bias holds NaN or infinite values"),
    ]
    for tensors, message in cases:
        with pytest.raises(thaw.BundleError, match=message):
            thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", MLP, tensors))
    gem = description([2, 2, 6], pooling="gem", tap="blocks.11")
    with pytest.raises(thaw.BundleError, match=r"GeM exponent head.gem.p is 0.0; it must be positive"):
        thaw.load_bundle(write_bundle(tmp_path / "g.safetensors", gem, {**random_head(gem), "head.gem.p": np.zeros(1)}))


@pytest.mark.parametrize("edit, message", [
    (dict(pooling="mean"), r"pooling 'mean' is not one of none, avg, max, avgmax, gem"),
    (dict(pooling="avg"), r"pooling 'avg' needs a map or token tap"),
    (dict(head={"type": "mlp", "hidden": [], "activation": "relu", "layerNorm": False}), r"an mlp head needs 1 or 2 hidden widths, not \[\]"),
    (dict(head={"type": "mlp", "hidden": [4, 4, 4], "activation": "relu", "layerNorm": False}), r"an mlp head needs 1 or 2 hidden widths"),
    (dict(head={"type": "logistic", "hidden": []}, pooling="gem", tap={"name": "m", "dtype": "f16", "shape": [2, 3], "layout": "TC"}),
     r"a logistic-regression head cannot use gem pooling"),
    (dict(tap={"name": "m", "dtype": "f16", "shape": [2, 3], "layout": "HWC"}), r"tap layout 'HWC' does not have one letter per axis"),
    (dict(classes=["a", "b", "a"]), r"classes names a class twice"),
    (dict(classes=["a"]), r"classes must list at least 2 names"),
    (dict(head={"type": "mlp", "hidden": [4], "activation": "tanh", "layerNorm": False}), r"activation 'tanh' is not relu or gelu"),
    (dict(head={"type": "svm", "hidden": []}), r"head type 'svm' is not one of linear, mlp, logistic"),
    (dict(classes=[]), r"classes must list at least 2 names"),
    (dict(kind="teacher"), r"kind is 'teacher'"),
    (dict(tap={"name": "pool", "dtype": "f8", "shape": [6], "layout": "C"}), r"tap dtype 'f8' is not f32, f16 or bf16"),
])
def test_bad_descriptions_are_refused(tmp_path, edit, message):
    d = {**MLP, **edit}
    with pytest.raises(thaw.BundleError, match=r"b.safetensors: metadata `bundle`: " + message):
        thaw.load_bundle(write_bundle(tmp_path / "b.safetensors", d, random_head(MLP)))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(thaw.BundleError, match=r"nope.safetensors: cannot read the file"):
        thaw.load_bundle(tmp_path / "nope.safetensors")
