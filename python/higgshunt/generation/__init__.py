"""Built-in samples: Pythia 8 events through a parametrised ATLAS-like detector response, written in the ATLAS
Open Data 13 TeV ntuple format (`generate`), with a manifest and pseudo-data; `calibrate` compares them with
the official ATLAS Open Data notebooks' yields."""

from higgshunt.generation.calibration import Achieved, calibrate
from higgshunt.generation.calibration import table as calibration_table
from higgshunt.generation.run import GenerationConfig, generate, load_config

__all__ = ["Achieved", "GenerationConfig", "calibrate", "calibration_table", "generate", "load_config"]
