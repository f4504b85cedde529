"""`python -m` entry point: check the settings and the model, then serve."""

import sys

from .mljet.main import main

if __name__ == "__main__":
    sys.exit(main())
