"""Signal + background fits of mass spectra with RooFit: yields, mass, local and expected significances."""

from higgshunt.artifacts.fit_result import FitResult
from higgshunt.fit.expected import smooth_background
from higgshunt.fit.models import BACKGROUNDS, SIGNALS
from higgshunt.fit.options import FitOptions
from higgshunt.fit.plotting import FitCurves, save_plot
from higgshunt.fit.run import fit_histogram, run_fit
from higgshunt.fit.spectrum import Spectrum

__all__ = [
    "BACKGROUNDS",
    "SIGNALS",
    "FitCurves",
    "FitOptions",
    "FitResult",
    "Spectrum",
    "fit_histogram",
    "run_fit",
    "save_plot",
    "smooth_background",
]
