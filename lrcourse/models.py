"""The networks of the course: the assignment's MLP (digits) and the small CIFAR-10 CNN of the
practice tasks. With a ``seed`` the initial weights are reproducible and the global random
generator is left as it was (:func:`lrcourse._runtime.seeded`)."""

from __future__ import annotations

import torch
from torch import nn

from ._runtime import seeded


def digits_mlp(hidden: int = 64, seed: int | None = 0) -> nn.Module:
    """The small MLP for scikit-learn's 8x8 digits: 64 -> hidden -> 10, ReLU.

    With ``seed`` the initial weights are reproducible (the same network for every schedule).
    """
    def build():
        return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    return build() if seed is None else seeded(seed, build)


# ----------------------------------------------------------------------------------------------
# The practice CNN for CIFAR-10 (airbench-style; Keller Jordan, arXiv 2404.00498)


class _BatchNorm(nn.BatchNorm2d):
    """airbench's BatchNorm: a fixed scale of 1 (only the bias learns), a tiny eps, and a running
    average that forgets fast (``momentum`` in airbench's convention: the weight of the old
    statistics, so PyTorch's ``momentum`` is ``1 - momentum``)."""

    def __init__(self, channels: int, momentum: float = 0.6, eps: float = 1e-12):
        super().__init__(channels, eps=eps, momentum=1 - momentum)
        self.weight.requires_grad_(False)


class _ConvGroup(nn.Module):
    """conv 3x3 -> max-pool 2 -> BN -> GELU -> conv 3x3 -> BN -> GELU (airbench's block)."""

    def __init__(self, c_in: int, c_out: int, bn_momentum: float = 0.6):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = _BatchNorm(c_out, bn_momentum)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.norm2 = _BatchNorm(c_out, bn_momentum)
        self.act = nn.GELU()
        for conv in (self.conv1, self.conv2):
            # airbench: PyTorch's default init, with the first c_in filters set to the identity
            # (dirac), so that at the start every block passes its input through
            nn.init.dirac_(conv.weight[:conv.in_channels])

    def forward(self, x):
        x = self.act(self.norm1(self.pool(self.conv1(x))))
        return self.act(self.norm2(self.conv2(x)))


class CifarNet(nn.Module):
    """The practice network: a 2x2 patch-whitening stem, three conv groups, a linear head.

    The layout follows airbench (Jordan 2024): the first layer is a fixed 2x2 convolution whose
    filters whiten the image patches (set from data with :meth:`init_whitening`; until then it is
    a plain random convolution), then conv groups of ``widths`` channels at resolutions
    31 -> 15 -> 7 -> 3, a 3x3 max-pool and a linear classifier whose output is scaled by
    ``1/9`` (airbench's logit scale). Each block's BatchNorm has a fixed scale and forgets fast
    (``bn_momentum=0.6`` in airbench's convention), and its convolutions start as identities
    where they can (dirac init), as in airbench94. ``widths=(64, 256, 256)`` is airbench94's size,
    ``(64, 128, 128)`` airbench93's (the default here: about 46% of the wide network's FLOPs,
    3.24e8 against 7.08e8 per image for forward + backward, as ``benchmarks/train.py`` counts them).
    Input: float images normalised with :func:`lrcourse.data.normalize_cifar`, shape (N, 3, 32, 32).
    """

    def __init__(self, widths=(64, 128, 128), whiten_width: int = 24, num_classes: int = 10,
                 logit_scale: float = 1 / 9, bn_momentum: float = 0.6):
        super().__init__()
        if len(widths) != 3 or any(int(w) != w or w <= 0 for w in widths):
            raise ValueError(f"widths={widths!r} must be three positive channel counts, e.g. (64, 128, 128)")
        if whiten_width % 2 or whiten_width <= 0 or whiten_width > 24:
            raise ValueError(f"whiten_width={whiten_width!r} must be an even number in 2..24 (24 = all of 3x2x2 patches, both signs)")
        self.widths = tuple(int(w) for w in widths)
        self.whiten = nn.Conv2d(3, whiten_width, kernel_size=2, padding=0, bias=True)
        self.act = nn.GELU()
        self.layers = nn.Sequential(
            _ConvGroup(whiten_width, self.widths[0], bn_momentum),
            _ConvGroup(self.widths[0], self.widths[1], bn_momentum),
            _ConvGroup(self.widths[1], self.widths[2], bn_momentum),
        )
        self.pool = nn.AdaptiveMaxPool2d(1)
        self.head = nn.Linear(self.widths[2], num_classes, bias=False)
        self.logit_scale = float(logit_scale)

    @torch.no_grad()
    def init_whitening(self, x: torch.Tensor, eps: float = 5e-4) -> None:
        """Set the 2x2 stem to whiten image patches (ZCA-like, both signs), from normalised images ``x``.

        The eigenvectors of the 12x12 covariance of all 2x2x3 patches, scaled by 1/sqrt(eigenvalue),
        become the filters (each with its negative, so GELU keeps both halves). The filters are then
        frozen; the stem's bias stays trainable (:func:`lrcourse.train.train` trains it for the
        first ``whiten_bias_epochs`` epochs, as airbench does, then freezes it).
        """
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"x must be normalised images of shape (N, 3, H, W), got {tuple(x.shape)}")
        c = x.float()
        patches = c.unfold(2, 2, 1).unfold(3, 2, 1)  # N, 3, H-1, W-1, 2, 2
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, 12)
        patches = patches - patches.mean(0, keepdim=True)
        cov = patches.T @ patches / len(patches)
        eigval, eigvec = torch.linalg.eigh(cov.double())
        eigval, eigvec = eigval.flip(0).float(), eigvec.T.flip(0).float()  # largest first
        half = self.whiten.out_channels // 2
        filters = eigvec[:half] / torch.sqrt(eigval[:half, None] + eps)
        filters = filters.view(half, 3, 2, 2)
        self.whiten.weight.copy_(torch.cat([filters, -filters]))
        self.whiten.bias.zero_()
        self.whiten.weight.requires_grad_(False)

    def forward(self, x):
        x = self.act(self.whiten(x))
        x = self.layers(x)
        x = self.pool(x).flatten(1)
        return self.head(x) * self.logit_scale


def cifar_net(widths=(64, 128, 128), seed: int | None = 0, whiten_width: int = 24) -> CifarNet:
    """The CIFAR-10 practice CNN (:class:`CifarNet`), with reproducible initial weights for ``seed``.

    Input: float images from :func:`lrcourse.data.normalize_cifar`. Set the whitening stem from
    data with :func:`lrcourse.train.whiten_stem` (5,000 training images; :func:`lrcourse.train.train`
    does this itself).
    """
    def build():
        return CifarNet(widths=widths, whiten_width=whiten_width)

    return build() if seed is None else seeded(seed, build)
