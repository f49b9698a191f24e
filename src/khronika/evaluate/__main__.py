"""``python -m khronika.evaluate acled|ucdp|cases FILE [options]``."""

import sys

from khronika.evaluate.command import main

sys.exit(main())
