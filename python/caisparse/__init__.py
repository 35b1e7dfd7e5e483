"""caisparse: compress the weights of Core AI programs with libcaisparse.

``sparsify_weights`` is a drop-in for ``coreai_opt.coreai_utils.sparsify_weights``;
``Engine`` keeps the library's engine warm across calls; ``Report`` carries
what a call did.  ``python -m caisparse`` is the command line for ``.aimodel``
packages and the other Core AI formats.  See docs/PYTHON.md.
"""

from caisparse._clib import CaisError, LibraryNotFoundError
from caisparse._coreai import CoreAIMissingError
from caisparse.api import sparsify_weights
from caisparse.engine import Engine
from caisparse.report import Report, ReportTotals, WeightReport

__version__ = "0.1.0"

__all__ = [
    "CaisError",
    "CoreAIMissingError",
    "Engine",
    "LibraryNotFoundError",
    "Report",
    "ReportTotals",
    "WeightReport",
    "sparsify_weights",
]
