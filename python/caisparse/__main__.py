"""``python -m caisparse``: see ``caisparse.cli``."""

import sys

from caisparse.cli import main

sys.exit(main())
