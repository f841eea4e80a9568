"""`python -m higgshunt.cli` is the same as the `higgshunt` command."""

import sys

from higgshunt.cli import main

sys.exit(main())
