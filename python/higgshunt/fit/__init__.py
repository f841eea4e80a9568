"""Signal + background fits of mass spectra with RooFit: yields, mass, local and expected significances;
HistFactory workspaces (pyhf JSON) of simulated templates, fitted with pyhf and RooFit."""

from higgshunt.artifacts.fit_result import FitResult
from higgshunt.fit.background_choice import choose_backgrounds
from higgshunt.fit.expected import smooth_background
from higgshunt.fit.models import BACKGROUNDS, SIGNALS
from higgshunt.fit.options import FitOptions
from higgshunt.fit.plotting import FitCurves, save_plot
from higgshunt.fit.run import fit_histogram, run_fit
from higgshunt.fit.spectrum import Spectrum
from higgshunt.fit.spurious import SpuriousSignal, run_spurious_signal, spurious_signal_test
from higgshunt.fit.workspace import Channel, Template, category_workspaces, channel_from_histograms
from higgshunt.fit.workspace import build as build_workspace
from higgshunt.fit.workspace_fit import fit_pyhf, fit_roofit, run_workspace_fit

__all__ = [
    "BACKGROUNDS",
    "Channel",
    "Template",
    "SIGNALS",
    "SpuriousSignal",
    "FitCurves",
    "FitOptions",
    "FitResult",
    "build_workspace",
    "category_workspaces",
    "choose_backgrounds",
    "channel_from_histograms",
    "fit_pyhf",
    "fit_roofit",
    "Spectrum",
    "fit_histogram",
    "run_fit",
    "run_spurious_signal",
    "run_workspace_fit",
    "save_plot",
    "spurious_signal_test",
    "smooth_background",
]
