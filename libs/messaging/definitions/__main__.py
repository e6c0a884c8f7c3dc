"""`python -m messaging.definitions ...`: see messaging.definitions.cli."""

import sys

from messaging.definitions.cli import main

sys.exit(main())
