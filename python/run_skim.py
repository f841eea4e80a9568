#!/usr/bin/env python3
"""Skim ATLAS Open Data style ntuples: `python python/run_skim.py --config configs/hzz4l.yaml`.

The same as `higgshunt skim`; `--help` lists the options.
"""

import sys

from higgshunt.cli import main

if __name__ == "__main__":
    sys.exit(main(["skim", *sys.argv[1:]]))
