#!/usr/bin/env python3
"""Train and export the bundled glassbox example models.

Run from the repository root with Debian's system Python (it has torch, scikit-learn
and onnx):

    /usr/bin/python3 examples/train/train.py

For every example ``<name>`` this writes into ``examples/<name>/``:

    model.onnx         float32 ONNX graph, opset 13, fixed input shape [1, n]
    calibration.jsonl  rows from the TRAINING set, {"id","input"}, for quantization ranges
    test.jsonl         the whole test set, {"id","input","label"}
    reference.jsonl    float32 torch outputs on the test set, {"id","output","class"}
    inputs.jsonl       the first 8 test rows without labels, {"id","input"} (demo input)
    meta.json          shapes, class names, split sizes, float test accuracy

Everything is deterministic: fixed seeds, a single CPU thread and
``torch.use_deterministic_algorithms(True)``. Re-running the script reproduces the
same files (given the same torch / scikit-learn / onnx versions).

Preprocessing lives INSIDE each model (Sub/Div or Mul by constants before the first
Gemm), so the model input is always the raw dataset features.

To add an example (e.g. a small CNN later): write a ``build_<name>()`` function that
returns an ``Example`` and add it to ``EXAMPLES`` at the bottom of this file. If the
new model needs more ONNX ops (Conv, MaxPool, ...), extend ``ALLOWED_OPS`` and the
numpy checker in ``run_onnx_numpy`` together with the circuit compiler's op support.
"""

from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import train_test_split

# --------------------------------------------------------------------------------------
# Global settings
# --------------------------------------------------------------------------------------

SEED = 0
OPSET_VERSION = 13
N_DEMO_INPUTS = 8
SPLIT_RANDOM_STATE = 0
TEST_SIZE = 0.25

# Ops the glassbox compiler accepts for these examples. Exported graphs are checked
# against this list; anything else aborts the script.
ALLOWED_OPS = {
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu",
    "Flatten", "Reshape", "Identity", "Constant",
}

EXAMPLES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATED_BY = "examples/train/train.py"


def set_determinism(seed: int) -> None:
    """Seed every RNG we touch and force deterministic, single-threaded torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


# --------------------------------------------------------------------------------------
# Models (preprocessing is part of the graph)
# --------------------------------------------------------------------------------------


class StandardizedMLP(nn.Module):
    """(x - mean) / std  ->  Linear -> ReLU -> Linear (logits).

    mean/std are stored as buffers, so they are exported as constant initializers
    feeding a Sub and a Div node in front of the first Gemm.
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray, n_in: int, n_hidden: int, n_out: int):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).reshape(1, n_in))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).reshape(1, n_in))
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(n_hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        return self.fc2(self.relu(self.fc1(x)))


class ScaledMLP(nn.Module):
    """x * scale  ->  Linear -> ReLU -> Linear (logits). ``scale`` becomes a Mul by a constant."""

    def __init__(self, scale: float, n_in: int, n_hidden: int, n_out: int):
        super().__init__()
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(n_hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * self.scale
        return self.fc2(self.relu(self.fc1(x)))


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train(
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None,
    seed: int,
    weight_decay: float = 0.0,
) -> None:
    """Adam + cross-entropy for a fixed number of epochs.

    batch_size=None means full-batch. Minibatch order comes from a seeded
    torch.Generator, so training is reproducible. The number of epochs is fixed (no
    early stopping on the test set); the caller asserts the resulting accuracy.
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    n = x_train.shape[0]
    for _ in range(epochs):
        model.train()
        if batch_size is None:
            batches = [torch.arange(n)]
        else:
            perm = torch.randperm(n, generator=gen)
            batches = [perm[i:i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
    model.eval()


# --------------------------------------------------------------------------------------
# Example definition + export
# --------------------------------------------------------------------------------------


@dataclass
class Example:
    name: str
    dataset: str
    model: nn.Module
    classes: List[str]
    x_train: np.ndarray          # raw features, float64, shape [N, n]
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_calibration: int
    min_test_accuracy: float
    extra_meta: Dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def split(x: np.ndarray, y: np.ndarray):
    """Stratified 75/25 split shared by all examples."""
    return train_test_split(x, y, test_size=TEST_SIZE, random_state=SPLIT_RANDOM_STATE, stratify=y)


def build_iris() -> Example:
    set_determinism(SEED)
    ds = load_iris()
    x_tr, x_te, y_tr, y_te = split(ds.data, ds.target)
    mean = x_tr.mean(axis=0)
    std = x_tr.std(axis=0)  # population std of the training set
    model = StandardizedMLP(mean, std, n_in=4, n_hidden=8, n_out=3)
    train(model, torch.tensor(x_tr, dtype=torch.float32), torch.tensor(y_tr),
          epochs=300, lr=0.01, batch_size=None, seed=SEED)
    return Example(
        name="iris", dataset="sklearn.datasets.load_iris (Fisher's Iris, 150 samples, 4 features in cm)",
        model=model, classes=[str(c) for c in ds.target_names],
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=48, min_test_accuracy=0.93,
        extra_meta={"preprocessing": "(x - mean) / std inside the graph (training-set mean/std)",
                    "architecture": "Sub, Div, Gemm(4->8), Relu, Gemm(8->3)"},
    )


def build_digits() -> Example:
    set_determinism(SEED)
    ds = load_digits()
    x_tr, x_te, y_tr, y_te = split(ds.data, ds.target)  # data: [N, 64], pixel values 0..16
    model = ScaledMLP(1.0 / 16.0, n_in=64, n_hidden=32, n_out=10)
    train(model, torch.tensor(x_tr, dtype=torch.float32), torch.tensor(y_tr),
          epochs=100, lr=0.003, batch_size=64, seed=SEED)
    return Example(
        name="digits", dataset="sklearn.datasets.load_digits (8x8 handwritten digits, 1797 samples, pixels 0..16, flattened row-major)",
        model=model, classes=[str(c) for c in ds.target_names],
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=64, min_test_accuracy=0.95,
        extra_meta={"preprocessing": "x * (1/16) inside the graph",
                    "architecture": "Mul, Gemm(64->32), Relu, Gemm(32->10)"},
    )


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def write_jsonl(path: str, rows: Sequence[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def as_floats(row: np.ndarray) -> List[float]:
    """Raw input row as plain Python floats (row-major)."""
    return [float(v) for v in np.asarray(row, dtype=np.float64).reshape(-1)]


def onnx_op_types(model: onnx.ModelProto) -> List[str]:
    return [node.op_type for node in model.graph.node]


def run_onnx_numpy(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """Tiny float32 numpy interpreter for ALLOWED_OPS (no onnxruntime available).

    Used only as a cross-check that the exported graph computes what torch computes.
    """
    env: Dict[str, np.ndarray] = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float32)
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Constant":
            out = numpy_helper.to_array(attrs["value"])
        elif op == "Gemm":
            a, b = ins[0], ins[1]
            if attrs.get("transA", 0):
                a = a.T
            if attrs.get("transB", 0):
                b = b.T
            out = attrs.get("alpha", 1.0) * (a @ b)
            if len(ins) > 2 and ins[2] is not None:
                out = out + attrs.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Sub":
            out = ins[0] - ins[1]
        elif op == "Mul":
            out = ins[0] * ins[1]
        elif op == "Div":
            out = ins[0] / ins[1]
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "Flatten":
            axis = attrs.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        elif op == "Reshape":
            out = ins[0].reshape([int(d) for d in ins[1]])
        elif op == "Identity":
            out = ins[0]
        else:
            raise ValueError(f"numpy checker does not implement {op}")
        env[node.output[0]] = np.asarray(out, dtype=np.float32)
    return env[model.graph.output[0].name]


def export(ex: Example) -> dict:
    out_dir = os.path.join(EXAMPLES_DIR, ex.name)
    os.makedirs(out_dir, exist_ok=True)
    model = ex.model.eval()
    n = ex.n_features

    # ---- ONNX export: fixed batch dimension of 1, no dynamic axes ----
    onnx_path = os.path.join(out_dir, "model.onnx")
    dummy = torch.zeros(1, n, dtype=torch.float32)
    torch.onnx.export(model, dummy, onnx_path, opset_version=OPSET_VERSION,
                      input_names=["input"], output_names=["logits"], do_constant_folding=False)
    proto = onnx.load(onnx_path)
    onnx.checker.check_model(proto)
    ops = onnx_op_types(proto)
    print(f"[{ex.name}] ONNX ops: {ops}")
    bad = sorted(set(ops) - ALLOWED_OPS)
    assert not bad, f"[{ex.name}] exported graph contains disallowed ops: {bad}"

    # ---- float32 reference on the whole test set ----
    x_test32 = torch.tensor(ex.x_test, dtype=torch.float32)
    with torch.no_grad():
        logits = model(x_test32).numpy().astype(np.float32)
    preds = logits.argmax(axis=1)
    acc = float((preds == ex.y_test).mean())
    print(f"[{ex.name}] float test accuracy: {acc:.4f} ({int((preds == ex.y_test).sum())}/{len(ex.y_test)})")
    assert acc >= ex.min_test_accuracy, f"[{ex.name}] accuracy {acc:.4f} < {ex.min_test_accuracy}"

    # Cross-check the exported graph against torch, one sample at a time (batch = 1).
    max_diff = 0.0
    for i in range(len(ex.x_test)):
        o = run_onnx_numpy(proto, ex.x_test[i:i + 1].astype(np.float32))
        max_diff = max(max_diff, float(np.abs(o[0] - logits[i]).max()))
    print(f"[{ex.name}] max |onnx(numpy) - torch| over test set: {max_diff:.3g}")
    assert max_diff < 1e-4, f"[{ex.name}] exported graph disagrees with torch ({max_diff})"

    # ---- data files ----
    # Calibration: a seeded random subset of the TRAINING set.
    cal_rng = np.random.RandomState(SEED)
    cal_idx = np.sort(cal_rng.choice(len(ex.x_train), size=ex.n_calibration, replace=False))
    write_jsonl(os.path.join(out_dir, "calibration.jsonl"),
                [{"id": f"cal-{k}", "input": as_floats(ex.x_train[i])} for k, i in enumerate(cal_idx)])

    test_rows = [{"id": f"test-{i}", "input": as_floats(ex.x_test[i]), "label": int(ex.y_test[i])}
                 for i in range(len(ex.x_test))]
    write_jsonl(os.path.join(out_dir, "test.jsonl"), test_rows)

    write_jsonl(os.path.join(out_dir, "reference.jsonl"),
                [{"id": f"test-{i}", "output": [float(v) for v in logits[i]], "class": int(preds[i])}
                 for i in range(len(ex.x_test))])

    write_jsonl(os.path.join(out_dir, "inputs.jsonl"),
                [{"id": r["id"], "input": r["input"]} for r in test_rows[:N_DEMO_INPUTS]])

    meta = {
        "name": ex.name,
        "dataset": ex.dataset,
        "inputShape": [1, n],
        "classes": ex.classes,
        "trainSize": int(len(ex.x_train)),
        "testSize": int(len(ex.x_test)),
        "floatTestAccuracy": acc,
        "opsetVersion": OPSET_VERSION,
        "generatedBy": GENERATED_BY,
        **ex.extra_meta,
    }
    with open(os.path.join(out_dir, "meta.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, indent=2) + "\n")
    return {"name": ex.name, "accuracy": acc, "ops": ops}


# Add new examples here (name -> builder).
EXAMPLES: Dict[str, Callable[[], Example]] = {
    "iris": build_iris,
    "digits": build_digits,
}


def main(argv: List[str]) -> None:
    names = argv or list(EXAMPLES)
    unknown = [nm for nm in names if nm not in EXAMPLES]
    if unknown:
        sys.exit(f"unknown example(s): {unknown}; known: {list(EXAMPLES)}")
    print(f"torch {torch.__version__}, onnx {onnx.__version__}")
    for nm in names:
        export(EXAMPLES[nm]())


if __name__ == "__main__":
    main(sys.argv[1:])
