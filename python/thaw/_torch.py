"""PyTorch adapters, imported only when asked for: torch is optional for the package."""


def require_torch(what):
    """The torch module, or an ImportError saying what needed it and how to install it."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(f"{what} needs PyTorch, which is not installed (import torch failed: {e}). "
                          "Fix: pip install torch (the CPU wheel is enough), or use the numpy arrays instead") from None
    return torch


def TapDataset(features, labels):
    """A map-style Dataset of (float32 tensor [*shape], int label) over in-memory tap rows."""
    torch = require_torch("Cache.torch_dataset")

    class _TapDataset(torch.utils.data.Dataset):
        def __init__(self):
            self.features = torch.from_numpy(features)          # [records, *shape] float32
            self.labels = torch.from_numpy(labels.astype("int64"))   # [records], -1 = unlabeled

        def __len__(self):
            return self.features.shape[0]

        def __getitem__(self, i):
            return self.features[i], int(self.labels[i])

    return _TapDataset()
