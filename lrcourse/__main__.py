"""``python -m lrcourse``: the same as the ``lrcourse`` command (:mod:`lrcourse.cli`)."""

import sys

from .cli import main

sys.exit(main())
