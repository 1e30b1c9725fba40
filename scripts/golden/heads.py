#!/usr/bin/env python3
"""Golden fixtures for ThawHeadsTests.

Run from the repository root (seed 1234 everywhere; needs torch + scikit-learn, CI does not):
    python3 scripts/golden/heads.py

Writes Tests/ThawHeadsTests/Fixtures/heads/*.bin (raw little-endian float32) and heads.json:
  (a) logistic regression: scikit-learn LogisticRegression(C, solver="lbfgs") on a seeded 5-class
      data set, N=600, D=32, several C, objective computed with sklearn's own formula
      f = (1/N)·Σ CE_i + ||W||²/(2·C·N) (intercept not penalised);
  (b) training steps of a linear head and an MLP head (torch SGD with Nesterov momentum + weight
      decay, torch AdamW) from given initial weights on one batch; weights after step 1 and step 3.
"""
import json, os
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

SEED = 1234
OUT = os.path.join("Tests", "ThawHeadsTests", "Fixtures", "heads")
os.makedirs(OUT, exist_ok=True)
meta = {}


def save(name, a):
    a = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    a.tofile(os.path.join(OUT, name + ".bin"))
    return {"file": name + ".bin", "shape": list(a.shape)}


# (a) logistic regression vs scikit-learn -------------------------------------------------------
rng = np.random.default_rng(SEED)
N, D, K = 600, 32, 5
means = rng.normal(0, 1.0, size=(K, D))
y = rng.integers(0, K, size=N)
X = (means[y] + rng.normal(0, 4.0, size=(N, D))).astype(np.float32)


def sk_objective(W, b, C):
    z = X.astype(np.float64) @ W.T + b
    z -= z.max(1, keepdims=True)
    lse = np.log(np.exp(z).sum(1))
    ce = lse - z[np.arange(N), y]
    return ce.mean() + (W * W).sum() / (2 * C * N)


lr_cases = []
for C in [0.001, 0.01, 0.1, 1.0, 10.0]:
    m = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=10000).fit(X.astype(np.float64), y)
    lr_cases.append({
        "C": C,
        "objective": float(sk_objective(m.coef_, m.intercept_, C)),
        "train_accuracy": float((m.predict(X) == y).mean()),
        "coef": save(f"lr_coef_C{C}", m.coef_),
        "intercept": save(f"lr_intercept_C{C}", m.intercept_),
    })
meta["logistic"] = {"x": save("lr_x", X), "y": save("lr_y", y), "classes": K, "cases": lr_cases}

# (b) training steps vs torch ---------------------------------------------------------------------
torch.manual_seed(SEED)
B, DIN, C2 = 8, 16, 4


class Head(torch.nn.Module):
    """Names match Thaw's checkpoint keys: fc1, ln1, fc2, ln2, out."""

    def __init__(self, hidden, ln, act):
        super().__init__()
        w = DIN
        self.hidden = hidden
        self.act = act
        for i, h in enumerate(hidden):
            setattr(self, f"fc{i+1}", torch.nn.Linear(w, h))
            if ln:
                setattr(self, f"ln{i+1}", torch.nn.LayerNorm(h))
            w = h
        self.ln = ln
        self.out = torch.nn.Linear(w, C2)

    def forward(self, x):
        for i in range(len(self.hidden)):
            x = getattr(self, f"fc{i+1}")(x)
            if self.ln:
                x = getattr(self, f"ln{i+1}")(x)
            x = torch.nn.functional.gelu(x) if self.act == "gelu" else torch.relu(x)
        return self.out(x)


xb = torch.randn(B, DIN)
yb = torch.randint(0, C2, (B,))
meta["steps_x"] = save("steps_x", xb.numpy())
meta["steps_y"] = save("steps_y", yb.numpy())
step_cases = []
for name, hidden, ln, act, opt, smoothing, class_weights in [
    ("linear_sgd", [], False, "relu", "sgd", 0.0, [1.0, 2.0, 0.5, 1.5]),
    ("linear_adamw", [], False, "relu", "adamw", 0.1, None),
    ("mlp_sgd", [12], False, "relu", "sgd", 0.1, None),
    ("mlp_adamw", [12, 8], True, "gelu", "adamw", 0.0, [1.0, 2.0, 0.5, 1.5]),
]:
    torch.manual_seed(SEED)
    m = Head(hidden, ln, act)
    with torch.no_grad():  # non-trivial LayerNorm parameters
        for n_, p in m.named_parameters():
            if n_.startswith("ln"):
                p.add_(0.1 * torch.randn_like(p))
    init = {n_: save(f"{name}_init_{n_}", p.detach().numpy()) for n_, p in m.named_parameters()}
    decay = [p for n_, p in m.named_parameters() if n_.endswith(".weight") and not n_.startswith("ln")]
    rest = [p for n_, p in m.named_parameters() if not (n_.endswith(".weight") and not n_.startswith("ln"))]
    lr, wd = (0.1, 0.01) if opt == "sgd" else (0.01, 0.05)
    groups = [{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}]
    o = (torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True) if opt == "sgd"
         else torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8))
    cw = torch.tensor(class_weights) if class_weights else None
    loss_fn = torch.nn.CrossEntropyLoss(weight=cw, label_smoothing=smoothing)
    after = {}
    losses = []
    for step in range(1, 4):
        o.zero_grad()
        loss = loss_fn(m(xb), yb)
        losses.append(loss.item())
        loss.backward()
        o.step()
        if step in (1, 3):
            after[str(step)] = {n_: save(f"{name}_step{step}_{n_}", p.detach().numpy())
                                for n_, p in m.named_parameters()}
    step_cases.append({"name": name, "hidden": hidden, "layer_norm": ln, "activation": act, "optimizer": opt,
                       "lr": lr, "weight_decay": wd, "label_smoothing": smoothing, "class_weights": class_weights,
                       "init": init, "after": after, "losses": losses})
meta["steps"] = step_cases

# (c) metrics vs scikit-learn ----------------------------------------------------------------------
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score, top_k_accuracy_score
rng = np.random.default_rng(SEED + 1)
NM, KM = 200, 7
ym = rng.integers(0, KM, size=NM)
zm = (rng.normal(0, 1.5, size=(NM, KM)) + 2.0 * np.eye(KM)[ym]).astype(np.float32)
pred = zm.argmax(1)
pm = np.exp(zm - zm.max(1, keepdims=True)); pm /= pm.sum(1, keepdims=True)
conf = pm.max(1)
bins = np.minimum((conf * 15).astype(int), 14)
ece = sum(abs(conf[bins == b].sum() - (pred == ym)[bins == b].sum()) for b in range(15)) / NM
meta["metrics"] = {"logits": save("metrics_logits", zm), "labels": save("metrics_labels", ym), "classes": KM,
                   "top1": float((pred == ym).mean()),
                   "top5": float(top_k_accuracy_score(ym, zm, k=5, labels=list(range(KM)))),
                   "mean_per_class_accuracy": float(balanced_accuracy_score(ym, pred)),
                   "macro_f1": float(f1_score(ym, pred, average="macro", labels=list(range(KM)))),
                   "ece15": float(ece),
                   "loss": float(-np.log(pm[np.arange(NM), ym]).mean()),
                   "confusion": confusion_matrix(ym, pred, labels=list(range(KM))).tolist()}

with open(os.path.join(OUT, "heads.json"), "w") as f:
    json.dump(meta, f, indent=1)
print("wrote", OUT, sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT)), "bytes")
