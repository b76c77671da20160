"""Data sets of the course, held in memory as tensors.

- digits (scikit-learn's ``load_digits``, offline): the assignment's MLP and the LR finder lesson.
- CIFAR-10 (torchvision download, or import of an ImageFolder copy): the practice tasks.
"""

from __future__ import annotations

import torch


def digits(test_size: float = 0.25, seed: int = 0):
    """scikit-learn's 8x8 digits as float32 tensors scaled to [0, 1], split reproducibly.

    Returns ``(x_train, y_train, x_test, y_test)``; ``x`` has shape (n, 64), ``y`` is int64.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = torch.tensor(bunch.data / 16.0, dtype=torch.float32)
    y = torch.tensor(bunch.target, dtype=torch.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y)
    return x_tr, y_tr, x_te, y_te
