"""The support code of each lesson: one module per lesson notebook, named after it.

A lesson notebook (``notebooks/{en,bn}/NN_*.ipynb``) keeps its code cells short by calling
the module of its lesson; the library it teaches (:mod:`lrcourse.schedules`,
:mod:`lrcourse.finder`, :mod:`lrcourse.train`, ...) stays apart, for learners to reuse.

- :mod:`~lrcourse.lessons.l01_why`: lesson 01, a large constant LR, a small one and a schedule
  on a convex problem with a known minimum (the noise floor), and why the LR must decay
  (the floor against η, the Robbins–Monro conditions);
- :mod:`~lrcourse.lessons.l02_schedules`: lesson 02, the schedule explorer and the LRs a real
  PyTorch scheduler uses;
- :mod:`~lrcourse.lessons.l03_warmup`: lesson 03, a tiny Transformer with and without warmup,
  RAdam, and Adam's per-parameter step;
- :mod:`~lrcourse.lessons.l04_pitfalls`: lesson 04, the common scheduling mistakes as real runs,
  AdamW's LR-scaled weight decay and the update-to-weight ratio;
- :mod:`~lrcourse.lessons.l06_practice`: lesson 06, the CIFAR-10 practice experiments;
- :mod:`~lrcourse.lessons.l07_where_used`: lesson 07, fine-tuning with discriminative (per-layer)
  LRs and gradual unfreezing (ULMFiT) on lesson 04's two-task network.

A new lesson's support code goes into a new module here, ``lNN_<topic>.py`` after its notebook;
its messages go into ``lrcourse/locale/lNN_<topic>.toml``, loaded once at import with
``i18n.load("lNN_<topic>")``. Import a lesson module by its name
(``from lrcourse.lessons import l03_warmup``); this package imports none of them, so that
importing one lesson does not load the others (or torch).
"""
