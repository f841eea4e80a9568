"""higgshunt: a ROOT-native framework for finding the Higgs boson and new physics with machine learning."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("higgshunt")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
