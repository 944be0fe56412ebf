"""`python -m metrics`: the command line (metrics.cli)."""

import sys

from metrics.cli import main

sys.exit(main())
