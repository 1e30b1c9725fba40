"""`import torchvision` beside a CPU-only torch.

PyPI's torchvision wheel is built against the CUDA torch: next to the CPU wheel of the same version its
C++ operators (nms, roi_align, …) do not load, and `import torchvision` then dies registering fake
kernels for them ("operator torchvision::nms does not exist"). The references use only the models and
the PIL transforms (pure Python), so those registrations are skipped for operators that do not exist.
Usage: `from torchvision_cpu import torchvision` (or `transforms`).
"""
import torch

_real_register_fake = torch.library.register_fake


def _tolerant_register_fake(op, func=None, /, *args, **kwargs):
    def decorate(fn):
        try:
            return _real_register_fake(op, *args, **kwargs)(fn)
        except RuntimeError as e:
            if "does not exist" in str(e):
                return fn
            raise
    return decorate(func) if func is not None else decorate


torch.library.register_fake = _tolerant_register_fake
try:
    import torchvision  # noqa: E402
    from torchvision import transforms  # noqa: E402,F401
finally:
    torch.library.register_fake = _real_register_fake
