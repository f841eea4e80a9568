"""Built-in samples: Pythia 8 events through a parametrised ATLAS-like detector response, written in the ATLAS
Open Data 13 TeV ntuple format (`generate`), with a manifest and pseudo-data."""

from higgshunt.generation.run import GenerationConfig, generate, load_config

__all__ = ["GenerationConfig", "generate", "load_config"]
