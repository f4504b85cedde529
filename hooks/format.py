"""Format a generated project's Python files with isort and black.

    python hooks/format.py [PROJECT]

The user's own modules shipped with --code are left as they are.
"""

import sys

from _entry import run_entry

if __name__ == "__main__":
    sys.exit(run_entry(__file__, sys.argv[1:], "format"))
