"""Entry point of the one-file binary (podwatch.spec freezes this script, not podwatch/__main__.py)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # First thing: a worker process started by the frozen binary must run its task, not the CLI.
    multiprocessing.freeze_support()

    from podwatch import frozen

    frozen.prepare()
    if sys.argv[1:2] == [frozen.BUNDLE_CHECK]:
        sys.exit(frozen.bundle_check(sys.argv[2:]))

    from podwatch.cli.main import main

    sys.exit(main())
