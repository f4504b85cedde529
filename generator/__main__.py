import sys

from ._entry_points._cli import main

if __name__ == "__main__":
    sys.exit(main())
