"""Build a generated project into a Docker image or a wheel, and verify it.

    python hooks/build_artifact.py [PROJECT] [--artifact docker|wheel]
                                    [--run] [--offline]

The artifact is started on a free local port and must answer the golden
rows of tests/golden.json exactly; --run keeps it running.
"""

import sys

from _entry import run_entry

if __name__ == "__main__":
    sys.exit(run_entry(__file__, sys.argv[1:], "build_artifact"))
