"""`python -m podwatch`."""

import sys

from podwatch.cli.main import main

sys.exit(main())
