"""The LR range test (Leslie Smith, arXiv 1506.01186 and 1803.09820).

Train for a short while with a learning rate that rises from ``start_lr`` to ``end_lr``
(exponentially by default), record the loss after every update, and read off the range of
learning rates where the loss falls. ::

    from lrcourse.finder import lr_range_test
    result = lr_range_test(model, optimizer, loss_fn, train_loader)
    result.plot()
    print(result.summary())
    lr = result.recommended                 # to train at one constant LR
    peak_lr = result.suggestions["steep"]   # a schedule's peak: between steep and result.lr_at_min

What it promises, beyond the classic recipe (torch-lr-finder, fastai ``lr_find``):

- **Nothing changes.** Afterwards the model and the optimizer are bitwise what they were:
  parameters, gradients, every buffer (BatchNorm running statistics and
  ``num_batches_tracked``, non-persistent buffers too), the train/eval flag of every
  submodule, the optimizer's state (momentum, Adam moments, step counts) and its
  ``param_groups`` (LR included), and the random number generators (torch CPU and CUDA,
  Python's ``random``, NumPy's global one). This also holds when the loss turns NaN or
  infinite, when ``loss_fn`` raises, and when you press Ctrl-C (the KeyboardInterrupt is
  raised again after the restore).
- **Stops on divergence** as soon as the loss is not finite, or its smoothed value (the
  running median of the last 5 losses) is above ``diverge_factor`` times the best one so far,
  and reports the LR where that happened.
- **Two smoothings.** ``smoothed`` is the exponential moving average with bias correction
  (fastai's ``beta = 0.98``), the curve fastai plots. Once the run is over the whole curve is known, so the suggestions are
  read from ``trend``: a running median (which removes single-batch spikes) followed by a
  centred moving average. It has no lag, so a suggestion is not shifted to a larger LR the
  way a rule read from the moving average is.
- **Suggestions robust to spikes and noise**: ``valley``, ``steep``, ``minimum`` (the three
  rules of fastai, read from ``trend``) and one ``recommended`` LR with its ``reason``.
- **Refuses** to run with a scheduler attached to the optimizer, with too few iterations, or
  with ``start_lr >= end_lr``, saying why and what to do.

The step convention is the course's: ``result.lrs[t]`` is the LR of update ``t``
(``t = 0`` first) and ``result.losses[t]`` is the loss of the batch of that update,
measured before the update.

What is where in this package:

- :mod:`~lrcourse.finder.range_test`: :func:`lr_range_test` (the procedure, the bitwise
  snapshot and restore, the refusals);
- :mod:`~lrcourse.finder.rules`: the smoothings and the suggestion rules, pure functions of
  arrays (the benchmark and the lesson call them on curves of their own); a new rule goes here,
  into :func:`suggest`;
- :mod:`~lrcourse.finder.result`: :class:`FinderResult` (summary, plot, ``to_dict`` / ``from_dict``).

Ready-made problems to run it on (the digits MLP, the CIFAR-10 practice network) and the
``lrcourse find-lr`` command are in :mod:`lrcourse.problems`; the messages in
``lrcourse/locale/finder.toml``.
"""

from .range_test import MIN_ITERS, MIN_POINTS, lr_ramp, lr_range_test
from .result import FinderResult
from .rules import Suggestion, ema_smooth, robust_trend, suggest, valley_index

__all__ = [
    "lr_range_test",
    "lr_ramp",
    "FinderResult",
    "Suggestion",
    "suggest",
    "ema_smooth",
    "robust_trend",
    "valley_index",
    "MIN_ITERS",
    "MIN_POINTS",
]
