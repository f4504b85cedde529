"""Type-check a generated project's src/ with mypy --strict.

    python hooks/typecheck.py [PROJECT]

Errors are listed as file:line; the exit status is 3 when there are any.
"""

import sys

from _entry import run_entry

if __name__ == "__main__":
    sys.exit(run_entry(__file__, sys.argv[1:], "typecheck"))
