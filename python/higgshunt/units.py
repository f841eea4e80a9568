"""Unit constants, defined once. higgshunt works in GeV and fb^-1; ntuples of the 2020 release are in MeV and
cross-sections in pb."""

MEV_PER_GEV = 1000.0
PB_PER_FB = 1000.0  # a luminosity in fb^-1 times 1000 is in pb^-1, to pair with cross-sections in pb
