#!/usr/bin/env python3
"""Train and export the bundled glassbox example models.

Run from the repository root with Debian's system Python (it has torch, scikit-learn
and onnx):

    /usr/bin/python3 examples/train/train.py

For every example ``<name>`` this writes into ``examples/<name>/``:

    model.onnx         float32 ONNX graph, opset 13, fixed input shape [1, n] or [1, C, H, W]
    calibration.jsonl  rows from the TRAINING set, {"id","input"}, for quantization ranges
    test.jsonl         the whole test set, {"id","input","label"}
    reference.jsonl    float32 torch outputs on the test set, {"id","output","class"}
    inputs.jsonl       the first 8 test rows without labels, {"id","input"} (demo input)
    meta.json          shapes, class names, split sizes, float test accuracy
                       (+ ONNX op list and export notes for the CNN examples)

Inputs in the .jsonl files are always flattened row-major (CHW order for images).

Everything is deterministic: fixed seeds, a single CPU thread and
``torch.use_deterministic_algorithms(True)``. Re-running the script reproduces the
same files (given the same torch / scikit-learn / onnx versions).

Preprocessing lives INSIDE each model (Sub/Div or Mul by constants before the first
Gemm / Conv), so the model input is always the raw dataset features (pixels 0..16 for
the digits-based examples).

To add an example: write a ``build_<name>()`` function that returns an ``Example``
(set ``input_shape`` for a non-flat input) and add it to ``EXAMPLES`` at the bottom of
this file. If the new model needs more ONNX ops, extend ``ALLOWED_OPS`` and the numpy
checker in ``run_onnx_numpy``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
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
MAX_FILE_BYTES = 3_000_000  # every generated file must stay below this

# Ops the example graphs may contain. Exported graphs are checked against this list;
# anything else aborts the script. This is the set run_onnx_numpy implements; whether the
# glassbox compiler accepts an op is decided by its own table (src/model/onnxOpTable.ts).
ALLOWED_OPS = {
    "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu",
    "Flatten", "Reshape", "Identity", "Constant",
    # convolutional examples (digits_cnn, lenet5, pad_avgpool, residual_cnn)
    "Conv", "BatchNormalization", "MaxPool", "AveragePool", "Pad",
    "Shape", "Gather", "Unsqueeze", "Concat",
    # tiny_transformer (opset 17): attention, LayerNormalization, torch's Erf-based GELU, mean pooling
    "Transpose", "Softmax", "LayerNormalization", "Erf", "ReduceMean",
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


class DigitsCNN(nn.Module):
    """[1,1,8,8] pixels 0..16 -> x * (1/16) -> Conv(1->8, 3x3, pad 1) -> BatchNorm -> ReLU
    -> MaxPool 2x2 -> Conv(8->16, 3x3, pad 1) -> ReLU -> AvgPool 2x2 -> Flatten -> Linear(64->10).

    The flatten is ``torch.flatten(x, 1)`` (exports as an ONNX Flatten node).
    """

    def __init__(self, scale: float):
        super().__init__()
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.pool2 = nn.AvgPool2d(2)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * self.scale
        x = self.pool1(torch.relu(self.bn1(self.conv1(x))))   # 8x8 -> 4x4
        x = self.pool2(torch.relu(self.conv2(x)))             # 4x4 -> 2x2
        return self.fc(torch.flatten(x, 1))


class ResidualBlock(nn.Module):
    """relu(x + bn2(conv2(relu(bn1(conv1(x)))))): the ResNet basic block (3x3 convs, padding 1, same channels)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(y)))


class ResidualCNN(nn.Module):
    """[1,1,8,8] pixels 0..16 -> x * (1/16) -> Conv(1->8, 3x3, pad 1) -> BatchNorm -> ReLU -> MaxPool 2x2
    -> two residual blocks (8 channels at 4x4, each conv-bn-relu-conv-bn + skip Add, relu)
    -> AvgPool 4x4 -> Flatten -> Linear(8->10).

    The skip connection exports as an ONNX Add of two computed tensors.
    """

    def __init__(self, scale: float, channels: int = 8):
        super().__init__()
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.stem = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.pool = nn.MaxPool2d(2)
        self.block1 = ResidualBlock(channels)
        self.block2 = ResidualBlock(channels)
        self.head = nn.AvgPool2d(4)
        self.fc = nn.Linear(channels, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * self.scale
        x = self.pool(torch.relu(self.bn(self.stem(x))))   # 8x8 -> 4x4
        x = self.block2(self.block1(x))
        return self.fc(torch.flatten(self.head(x), 1))


class LeNet5(nn.Module):
    """LeNet-5 shape on [1,1,28,28] (no padding on conv1: 28 -> 24 -> 12 -> 8 -> 4).

    x * (1/16) -> Conv(1->6, 5x5) -> ReLU -> MaxPool 2x2 -> Conv(6->16, 5x5) -> ReLU -> MaxPool 2x2
    -> view(N, -1) -> Linear(256->120) -> ReLU -> Linear(120->84) -> ReLU -> Linear(84->10).

    The flatten is the PyTorch idiom ``x.view(x.size(0), -1)`` on purpose: it exports as a
    Reshape whose shape is computed in the graph (Constant/Unsqueeze/Concat -> Reshape).
    """

    def __init__(self, scale: float):
        super().__init__()
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * self.scale
        x = self.pool1(torch.relu(self.conv1(x)))   # 28 -> 24 -> 12
        x = self.pool2(torch.relu(self.conv2(x)))   # 12 -> 8 -> 4
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class PadAvgPoolNet(nn.Module):
    """[1,1,8,8] -> x * (1/16) -> Conv(1->8, 2x2) -> ReLU (7x7)
    -> AvgPool2d(3, stride 2, padding 1, count_include_pad=True) (4x4) -> Flatten -> Linear(128->10).

    torch 1.13 exports an average pool with count_include_pad=True as an explicit ONNX Pad
    (pads [0,0,1,1,0,0,1,1]) followed by an AveragePool with pads 0, so the padded zeros count
    in every average at the border.
    """

    def __init__(self, scale: float):
        super().__init__()
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.conv = nn.Conv2d(1, 8, kernel_size=2)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * self.scale
        x = self.pool(torch.relu(self.conv(x)))     # 8 -> 7 -> (pad) 9 -> 4
        return self.fc(torch.flatten(x, 1))


class TinyTransformer(nn.Module):
    """8x8 digits as 8 tokens (rows) of 8 pixels -> one encoder block -> 10 logits.

    x * (1/16), Linear embedding 8->16 plus a learned positional embedding, then a
    post-norm encoder block: multi-head self-attention written out explicitly
    (Linear Q/K/V, Q.K^T * 1/sqrt(d_head), Softmax, .V, Linear out; not
    nn.MultiheadAttention, whose export is a fused tangle), residual Add, LayerNorm, a
    GELU MLP 16->32->16, residual Add, LayerNorm; mean pooling over the tokens and a
    Linear classifier 16->10.
    """

    def __init__(self, scale: float, tokens: int = 8, features: int = 8, d: int = 16, heads: int = 2, hidden: int = 32, n_out: int = 10):
        super().__init__()
        assert d % heads == 0
        self.register_buffer("scale", torch.tensor([scale], dtype=torch.float32))
        self.tokens, self.features, self.d, self.heads = tokens, features, d, heads
        self.embed = nn.Linear(features, d)
        self.pos = nn.Parameter(0.1 * torch.randn(1, tokens, d))
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.norm1 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, hidden)
        self.gelu = nn.GELU()
        self.fc2 = nn.Linear(hidden, d)
        self.norm2 = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_out)

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        n = t.shape[0]
        return t.reshape(n, self.tokens, self.heads, self.d // self.heads).transpose(1, 2)  # [N, H, T, dh]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        h = self.embed(x.reshape(n, self.tokens, self.features) * self.scale) + self.pos
        q, k, v = self.split_heads(self.q(h)), self.split_heads(self.k(h)), self.split_heads(self.v(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / float(np.sqrt(self.d // self.heads)))
        mixed = torch.matmul(torch.softmax(scores, dim=-1), v)          # [N, H, T, dh]
        mixed = mixed.transpose(1, 2).reshape(n, self.tokens, self.d)
        h = self.norm1(h + self.o(mixed))
        h = self.norm2(h + self.fc2(self.gelu(self.fc1(h))))
        return self.head(h.mean(dim=1))


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
    # Model input shape with the batch of 1, e.g. (1, 1, 8, 8). None means (1, n_features).
    # x_train / x_test always stay flattened row-major ([N, C*H*W] for images).
    input_shape: Optional[Tuple[int, ...]] = None
    # torch.onnx.export(training=...). EVAL is torch's default; PRESERVE (with the model
    # in eval mode) skips the exporter's eval-mode peephole that folds BatchNorm into Conv.
    export_training: torch.onnx.TrainingMode = torch.onnx.TrainingMode.EVAL
    # Ops the exported graph must contain (guards against the exporter silently
    # rewriting what the example is meant to exercise).
    required_ops: Set[str] = field(default_factory=set)
    # Write the ONNX op list (and input layout) into meta.json. False for iris/digits so
    # their meta.json stays byte-identical to the original files.
    meta_ops: bool = False
    # ONNX opset of the export (13 for the older examples; 17 brings LayerNormalization).
    opset: int = OPSET_VERSION

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def shape(self) -> Tuple[int, ...]:
        shape = self.input_shape if self.input_shape is not None else (1, self.n_features)
        assert int(np.prod(shape)) == self.n_features, f"{self.name}: {shape} vs {self.n_features} features"
        return tuple(int(d) for d in shape)

    def as_model_input(self, x: np.ndarray) -> torch.Tensor:
        """Flattened rows [N, n] -> float32 tensor [N, *shape[1:]]."""
        return torch.tensor(x, dtype=torch.float32).reshape(-1, *self.shape[1:])


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


DIGITS_DATASET = "sklearn.datasets.load_digits (8x8 handwritten digits, 1797 samples, pixels 0..16)"
CNN_TRAIN_KW = dict(batch_size=64, seed=SEED)


def digits_images() -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """sklearn digits as flattened [N, 64] pixel rows (0..16, float64), labels, class names."""
    ds = load_digits()
    return ds.data, ds.target, [str(c) for c in ds.target_names]


def upscale_digits_28(x: np.ndarray) -> np.ndarray:
    """[N, 64] 8x8 digits -> [N, 784] 28x28, bilinear (align_corners=False), rounded to 2 decimals.

    The rounded values ARE the model input (training, reference outputs and the files all
    use them), so nothing is lost by rounding; it only keeps test.jsonl small.
    """
    t = torch.tensor(x, dtype=torch.float64).reshape(-1, 1, 8, 8)
    up = F.interpolate(t, size=(28, 28), mode="bilinear", align_corners=False)
    up = np.round(up.reshape(len(x), 28 * 28).numpy(), 2)
    return up + 0.0  # no negative zeros


def build_digits_cnn() -> Example:
    set_determinism(SEED)
    x, y, classes = digits_images()
    x_tr, x_te, y_tr, y_te = split(x, y)
    model = DigitsCNN(1.0 / 16.0)
    ex = Example(
        name="digits_cnn",
        dataset=DIGITS_DATASET + ", as [1, 1, 8, 8] images (flattened row-major CHW in the .jsonl files)",
        model=model, classes=classes,
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=64, min_test_accuracy=0.95,
        input_shape=(1, 1, 8, 8),
        export_training=torch.onnx.TrainingMode.PRESERVE,
        required_ops={"Conv", "BatchNormalization", "MaxPool", "Pad", "AveragePool", "Flatten"},
        meta_ops=True,
        extra_meta={
            "preprocessing": "x * (1/16) inside the graph",
            "architecture": "Mul, Conv(1->8, 3x3, pad 1), BatchNormalization, Relu, MaxPool(2x2), "
                            "Conv(8->16, 3x3, pad 1), Relu, Pad(zeros), AveragePool(2x2), Flatten, Gemm(64->10)",
            "exportNotes": [
                "exported with training=TrainingMode.PRESERVE on a model in eval mode: with TrainingMode.EVAL "
                "torch 1.13 folds BatchNorm into the preceding Conv even with do_constant_folding=False",
                "BatchNormalization is in inference form (running mean/var initializers, one output, opset-13 "
                "attributes epsilon and momentum)",
                "nn.AvgPool2d(2) exports as Pad (all-zero pads, an 8-element Constant) + AveragePool (pads 0)",
            ],
        },
    )
    train(model, ex.as_model_input(x_tr), torch.tensor(y_tr), epochs=60, lr=0.005, **CNN_TRAIN_KW)
    return ex


def build_residual_cnn() -> Example:
    set_determinism(SEED)
    x, y, classes = digits_images()
    x_tr, x_te, y_tr, y_te = split(x, y)
    model = ResidualCNN(1.0 / 16.0)
    ex = Example(
        name="residual_cnn",
        dataset=DIGITS_DATASET + ", as [1, 1, 8, 8] images (flattened row-major CHW in the .jsonl files)",
        model=model, classes=classes,
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=64, min_test_accuracy=0.95,
        input_shape=(1, 1, 8, 8),
        export_training=torch.onnx.TrainingMode.PRESERVE,
        required_ops={"Conv", "BatchNormalization", "Add", "MaxPool", "AveragePool", "Flatten"},
        meta_ops=True,
        extra_meta={
            "preprocessing": "x * (1/16) inside the graph",
            "architecture": "Mul, Conv(1->8, 3x3, pad 1), BatchNormalization, Relu, MaxPool(2x2), "
                            "2 x [Conv(8->8, 3x3, pad 1), BatchNormalization, Relu, Conv(8->8, 3x3, pad 1), "
                            "BatchNormalization, Add(skip), Relu], Pad(zeros), AveragePool(4x4), Flatten, Gemm(8->10)",
            "exportNotes": [
                "exported with training=TrainingMode.PRESERVE on a model in eval mode, so BatchNormalization "
                "stays in the graph (glassbox folds it into the preceding Conv)",
                "each residual connection is an ONNX Add of two computed tensors (the block input and the "
                "second BatchNormalization's output)",
            ],
        },
    )
    train(model, ex.as_model_input(x_tr), torch.tensor(y_tr), epochs=60, lr=0.005, **CNN_TRAIN_KW)
    return ex


def build_lenet5() -> Example:
    set_determinism(SEED)
    x8, y, classes = digits_images()
    x = upscale_digits_28(x8)
    x_tr, x_te, y_tr, y_te = split(x, y)  # same indices as the 8x8 split (same n, y, seed)
    model = LeNet5(1.0 / 16.0)
    ex = Example(
        name="lenet5",
        dataset=DIGITS_DATASET + ", upscaled to 28x28 with torch.nn.functional.interpolate(mode='bilinear', "
                "align_corners=False) and rounded to 2 decimals, as [1, 1, 28, 28] images "
                "(flattened row-major CHW in the .jsonl files)",
        model=model, classes=classes,
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=64, min_test_accuracy=0.95,
        input_shape=(1, 1, 28, 28),
        required_ops={"Conv", "MaxPool", "Unsqueeze", "Concat", "Reshape"},
        meta_ops=True,
        extra_meta={
            "preprocessing": "x * (1/16) inside the graph",
            "architecture": "Mul, Conv(1->6, 5x5), Relu, MaxPool(2x2), Conv(6->16, 5x5), Relu, MaxPool(2x2), "
                            "Reshape(x.view(x.size(0), -1) -> [1, 256]), Gemm(256->120), Relu, Gemm(120->84), "
                            "Relu, Gemm(84->10)",
            "exportNotes": [
                "x.view(x.size(0), -1) exports as Constant(1), Constant(-1) -> Unsqueeze(axes from a Constant) x2 "
                "-> Concat -> Reshape; with the fixed input shape torch 1.13 turns x.size(0) into a Constant, "
                "so there is no Shape/Gather",
            ],
        },
    )
    train(model, ex.as_model_input(x_tr), torch.tensor(y_tr), epochs=30, lr=0.002, **CNN_TRAIN_KW)
    return ex


def build_pad_avgpool() -> Example:
    set_determinism(SEED)
    x, y, classes = digits_images()
    x_tr, x_te, y_tr, y_te = split(x, y)
    model = PadAvgPoolNet(1.0 / 16.0)
    ex = Example(
        name="pad_avgpool",
        dataset=DIGITS_DATASET + ", as [1, 1, 8, 8] images (flattened row-major CHW in the .jsonl files)",
        model=model, classes=classes,
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=64, min_test_accuracy=0.95,
        input_shape=(1, 1, 8, 8),
        required_ops={"Conv", "Pad", "AveragePool", "Flatten"},
        meta_ops=True,
        extra_meta={
            "preprocessing": "x * (1/16) inside the graph",
            "architecture": "Mul, Conv(1->8, 2x2), Relu, Pad([0,0,1,1,0,0,1,1]), AveragePool(3x3, stride 2), "
                            "Flatten, Gemm(128->10)",
            "exportNotes": [
                "nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True) exports as an explicit Pad "
                "(zeros, pads [0,0,1,1,0,0,1,1]) + AveragePool with pads 0: border averages divide by 9",
                "nn.ZeroPad2d was not used: torch 1.13 (opset 13) exports it with a pads subgraph "
                "(ConstantOfShape, Slice, Transpose, Cast, ...) even with constant folding",
            ],
        },
    )
    train(model, ex.as_model_input(x_tr), torch.tensor(y_tr), epochs=80, lr=0.01, **CNN_TRAIN_KW)
    return ex


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


def describe_nodes(name: str, model: onnx.ModelProto) -> None:
    """Print the attributes of the spatial / shape nodes (pads, ceil_mode, ...) for the log."""
    consts = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
            continue
        if node.op_type in ("Mul", "Gemm", "Relu", "Flatten"):
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        args = [(f"{i}={consts[i].tolist()}" if consts[i].dtype.kind == "i" and consts[i].size <= 8
                 else f"{i}{list(consts[i].shape)}") if i in consts else i for i in node.input[1:]]
        print(f"[{name}]   {node.op_type}{attrs} {args}")


def _pool_windows(x: np.ndarray, kernel: Sequence[int], strides: Sequence[int]):
    """Yield (kh, kw, view) for every kernel offset: view[n, c, oh, ow] = x[n, c, oh*sh + kh, ow*sw + kw]."""
    sh, sw = strides
    oh = (x.shape[2] - kernel[0]) // sh + 1
    ow = (x.shape[3] - kernel[1]) // sw + 1
    for kh in range(kernel[0]):
        for kw in range(kernel[1]):
            yield kh, kw, x[:, :, kh:kh + sh * (oh - 1) + 1:sh, kw:kw + sw * (ow - 1) + 1:sw]


def _pads_2d(attrs: dict) -> List[int]:
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    assert len(pads) == 4 and min(pads) >= 0, f"unsupported pads {pads}"
    assert attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"), "auto_pad not supported"
    return pads  # [top, left, bottom, right]


def _pad_hw(x: np.ndarray, pads: Sequence[int], value: float) -> np.ndarray:
    t, l, b, r = pads
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), mode="constant", constant_values=value)


def run_onnx_numpy(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """Tiny numpy interpreter for ALLOWED_OPS (no onnxruntime available).

    Used only as a cross-check that the exported graph computes what torch computes.
    Float tensors are float32 (Conv / pooling accumulate in float64, then round to
    float32); integer tensors (shapes, indices) keep their dtype. Only the attribute
    values the examples use are implemented; anything else fails an assertion.
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
            assert not attrs.get("allowzero", 0)
            shape = [int(d) for d in ins[1]]
            shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]  # 0 = copy that dim
            out = ins[0].reshape(shape)
        elif op == "Identity":
            out = ins[0]
        elif op == "Conv":
            w, bias = ins[1], (ins[2] if len(ins) > 2 else None)
            assert attrs.get("group", 1) == 1 and list(attrs.get("dilations", [1, 1])) == [1, 1]
            assert list(attrs.get("kernel_shape", w.shape[2:])) == list(w.shape[2:])
            xp = _pad_hw(ins[0].astype(np.float64), _pads_2d(attrs), 0.0)
            acc = None
            for kh, kw, view in _pool_windows(xp, w.shape[2:], attrs.get("strides", [1, 1])):
                term = np.einsum("nchw,oc->nohw", view, w[:, :, kh, kw].astype(np.float64))
                acc = term if acc is None else acc + term
            out = acc if bias is None else acc + bias.astype(np.float64).reshape(1, -1, 1, 1)
        elif op == "BatchNormalization":
            assert len(node.output) == 1 and not attrs.get("training_mode", 0), "training-mode BN"
            scale, b, mean, var = (t.astype(np.float64).reshape(1, -1, 1, 1) for t in ins[1:5])
            eps = attrs.get("epsilon", 1e-5)
            out = (ins[0] - mean) / np.sqrt(var + eps) * scale + b
        elif op in ("MaxPool", "AveragePool"):
            assert len(node.output) == 1 and not attrs.get("ceil_mode", 0)
            assert list(attrs.get("dilations", [1, 1])) == [1, 1] and attrs.get("storage_order", 0) == 0
            kernel = list(attrs["kernel_shape"])
            strides = list(attrs.get("strides", [1, 1]))
            pads = _pads_2d(attrs)
            xf = ins[0].astype(np.float64)
            if op == "MaxPool":
                xp = _pad_hw(xf, pads, -np.inf)
                out = None
                for _, _, view in _pool_windows(xp, kernel, strides):
                    out = view.copy() if out is None else np.maximum(out, view)
            else:
                xp = _pad_hw(xf, pads, 0.0)
                total = sum(view for _, _, view in _pool_windows(xp, kernel, strides))
                if attrs.get("count_include_pad", 0) or not any(pads):
                    out = total / (kernel[0] * kernel[1])
                else:  # divide by the number of real (unpadded) elements in each window
                    ones = _pad_hw(np.ones((1, 1) + xf.shape[2:]), pads, 0.0)
                    out = total / sum(view for _, _, view in _pool_windows(ones, kernel, strides))
        elif op == "Pad":
            assert attrs.get("mode", b"constant") in (b"constant", "constant")
            pads = [int(p) for p in ins[1]]
            assert min(pads) >= 0, "negative pads (cropping) not supported"
            rank = ins[0].ndim
            value = ins[2].item() if len(ins) > 2 and ins[2] is not None else 0
            out = np.pad(ins[0], list(zip(pads[:rank], pads[rank:])), mode="constant", constant_values=value)
        elif op == "Shape":
            out = np.array(ins[0].shape, dtype=np.int64)
        elif op == "Gather":
            out = np.take(ins[0], ins[1], axis=attrs.get("axis", 0))
        elif op == "Unsqueeze":  # opset 13: axes is an input
            out = ins[0]
            axes = [int(a) for a in np.asarray(ins[1]).reshape(-1)]
            rank = out.ndim + len(axes)
            for a in sorted(a % rank for a in axes):
                out = np.expand_dims(out, a)
        elif op == "Concat":
            out = np.concatenate([np.asarray(t) for t in ins], axis=attrs["axis"])
        elif op == "Transpose":
            out = np.transpose(ins[0], attrs.get("perm"))
        elif op == "Softmax":  # opset >= 13: along one axis
            xs = ins[0].astype(np.float64)
            e = np.exp(xs - xs.max(axis=attrs.get("axis", -1), keepdims=True))
            out = e / e.sum(axis=attrs.get("axis", -1), keepdims=True)
        elif op == "LayerNormalization":
            axis = attrs.get("axis", -1) % ins[0].ndim
            axes = tuple(range(axis, ins[0].ndim))
            xs = ins[0].astype(np.float64)
            mean = xs.mean(axis=axes, keepdims=True)
            var = ((xs - mean) ** 2).mean(axis=axes, keepdims=True)
            out = (xs - mean) / np.sqrt(var + attrs.get("epsilon", 1e-5)) * ins[1]
            if len(ins) > 2 and ins[2] is not None:
                out = out + ins[2]
        elif op == "Erf":
            from math import erf as _erf
            out = np.vectorize(_erf)(ins[0].astype(np.float64))
        elif op == "ReduceMean":  # opset < 18: axes is an attribute
            out = ins[0].astype(np.float64).mean(axis=tuple(attrs["axes"]), keepdims=bool(attrs.get("keepdims", 1)))
        else:
            raise ValueError(f"numpy checker does not implement {op}")
        out = np.asarray(out)
        if np.issubdtype(out.dtype, np.floating):
            out = out.astype(np.float32)
        env[node.output[0]] = out
    return env[model.graph.output[0].name]


def export(ex: Example) -> dict:
    out_dir = os.path.join(EXAMPLES_DIR, ex.name)
    os.makedirs(out_dir, exist_ok=True)
    model = ex.model.eval()
    shape = ex.shape

    # ---- ONNX export: fixed batch dimension of 1, no dynamic axes ----
    onnx_path = os.path.join(out_dir, "model.onnx")
    dummy = torch.zeros(*shape, dtype=torch.float32)
    torch.onnx.export(model, dummy, onnx_path, opset_version=ex.opset,
                      input_names=["input"], output_names=["logits"], do_constant_folding=False,
                      training=ex.export_training)
    assert not model.training, f"[{ex.name}] export left the model in training mode"
    proto = onnx.load(onnx_path)
    onnx.checker.check_model(proto)
    ops = onnx_op_types(proto)
    print(f"[{ex.name}] ONNX ops: {ops}")
    if len(shape) > 2:
        describe_nodes(ex.name, proto)
    bad = sorted(set(ops) - ALLOWED_OPS)
    assert not bad, f"[{ex.name}] exported graph contains disallowed ops: {bad}"
    missing = sorted(ex.required_ops - set(ops))
    assert not missing, f"[{ex.name}] exported graph lacks {missing} (did the exporter fold them?)"
    graph_in = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    assert graph_in == list(shape), f"[{ex.name}] graph input shape {graph_in} != {list(shape)}"

    # ---- float32 reference on the whole test set ----
    x_test32 = ex.as_model_input(ex.x_test)
    with torch.no_grad():
        logits = model(x_test32).numpy().astype(np.float32)
    preds = logits.argmax(axis=1)
    acc = float((preds == ex.y_test).mean())
    print(f"[{ex.name}] float test accuracy: {acc:.4f} ({int((preds == ex.y_test).sum())}/{len(ex.y_test)})")
    assert acc >= ex.min_test_accuracy, f"[{ex.name}] accuracy {acc:.4f} < {ex.min_test_accuracy}"

    # Cross-check the exported graph against torch, one sample at a time (batch = 1).
    max_diff = 0.0
    for i in range(len(ex.x_test)):
        o = run_onnx_numpy(proto, ex.x_test[i:i + 1].astype(np.float32).reshape(shape))
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
        "inputShape": list(shape),
        "classes": ex.classes,
        "trainSize": int(len(ex.x_train)),
        "testSize": int(len(ex.x_test)),
        "floatTestAccuracy": acc,
        "opsetVersion": ex.opset,
        "generatedBy": GENERATED_BY,
        **ex.extra_meta,
    }
    if ex.meta_ops:
        meta["inputLayout"] = "NCHW; .jsonl inputs are flattened row-major (C, H, W)" if len(shape) == 4 \
            else "flattened row-major"
        meta["onnxOps"] = ops
    with open(os.path.join(out_dir, "meta.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, indent=2) + "\n")

    for fname in sorted(os.listdir(out_dir)):
        size = os.path.getsize(os.path.join(out_dir, fname))
        assert size <= MAX_FILE_BYTES, f"[{ex.name}] {fname} is {size} bytes (> {MAX_FILE_BYTES})"
    return {"name": ex.name, "accuracy": acc, "ops": ops}


def build_tiny_transformer() -> Example:
    set_determinism(SEED)
    x, y, classes = digits_images()
    x_tr, x_te, y_tr, y_te = split(x, y)
    model = TinyTransformer(1.0 / 16.0)
    ex = Example(
        name="tiny_transformer",
        dataset=DIGITS_DATASET + ", as [1, 8, 8]: 8 tokens (image rows) of 8 pixels (flattened row-major in the .jsonl files)",
        model=model, classes=classes,
        x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
        n_calibration=64, min_test_accuracy=0.93,
        input_shape=(1, 8, 8),
        opset=17,
        required_ops={"MatMul", "Transpose", "Softmax", "LayerNormalization", "Erf", "ReduceMean"},
        meta_ops=True,
        extra_meta={
            "preprocessing": "x * (1/16) inside the graph",
            "architecture": "Mul, Linear(8->16) + learned positional embedding [8, 16], 2-head self-attention "
                            "(Linear Q/K/V 16->16, Q.K^T * 1/sqrt(8), Softmax over keys, .V, Linear 16->16), "
                            "residual Add, LayerNorm(16), Linear(16->32), GELU (exact, Erf form), Linear(32->16), "
                            "residual Add, LayerNorm(16), mean over the 8 tokens, Linear(16->10)",
            "exportNotes": [
                "opset 17: nn.LayerNorm exports as one LayerNormalization node",
                "nn.GELU() exports as Div(sqrt 2), Erf, Add(1), Mul(x), Mul(0.5); glassbox recognises the pattern as one GELU",
                "the attention is written out (not nn.MultiheadAttention): Reshape/Transpose split the heads, "
                "MatMul of two activations forms Q.K^T and the value mixing",
                "x.mean(dim=1) exports as ReduceMean(axes=[1], keepdims=0)",
            ],
        },
    )
    train(model, ex.as_model_input(x_tr), torch.tensor(y_tr), epochs=80, lr=0.003, **CNN_TRAIN_KW)
    return ex


# Add new examples here (name -> builder).
EXAMPLES: Dict[str, Callable[[], Example]] = {
    "iris": build_iris,
    "digits": build_digits,
    "digits_cnn": build_digits_cnn,
    "lenet5": build_lenet5,
    "pad_avgpool": build_pad_avgpool,
    "residual_cnn": build_residual_cnn,
    "tiny_transformer": build_tiny_transformer,
}


def main(argv: List[str]) -> None:
    names = argv or list(EXAMPLES)
    unknown = [nm for nm in names if nm not in EXAMPLES]
    if unknown:
        sys.exit(f"unknown example(s): {unknown}; known: {list(EXAMPLES)}")
    print(f"torch {torch.__version__}, onnx {onnx.__version__}")
    for nm in names:
        t0 = time.perf_counter()
        export(EXAMPLES[nm]())
        print(f"[{nm}] done in {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main(sys.argv[1:])
