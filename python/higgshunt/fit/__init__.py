"""Signal + background fits of mass spectra with RooFit: yields, mass, local and expected significances."""

from higgshunt.fit.models import BACKGROUNDS, SIGNALS
from higgshunt.fit.run import FitCurves, FitOptions, FitResult, fit_histogram, run_fit

__all__ = ["BACKGROUNDS", "SIGNALS", "FitCurves", "FitOptions", "FitResult", "fit_histogram", "run_fit"]
