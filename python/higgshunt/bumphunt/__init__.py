"""The bump hunt: mass spectra per process after the cut-based and score selections (score cuts chosen on
simulation only), fits of the (pseudo-)data, and the significances side by side.

    config = bumphunt.load("configs/bumphunt_hzz4l.yaml", model="outputs/hzz4l/train")
    result = bumphunt.run(config, threads=2)
    print(bumphunt.format_table(result.summary))
"""

from higgshunt.bumphunt.config import BumphuntConfig, load
from higgshunt.bumphunt.report import format_table
from higgshunt.bumphunt.run import BumphuntResult, run
from higgshunt.bumphunt.selection import Category, Selection, optimise

__all__ = [
    "BumphuntConfig",
    "BumphuntResult",
    "Category",
    "Selection",
    "format_table",
    "load",
    "optimise",
    "run",
]
