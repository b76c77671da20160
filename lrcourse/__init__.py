"""lrcourse: the package behind the bilingual course on learning-rate schedules.

Importing it is cheap (no torch); the modules that need torch import it themselves.
"""

from .i18n import get_language, set_language

__version__ = "0.1.0"
__all__ = ["get_language", "set_language", "__version__"]
