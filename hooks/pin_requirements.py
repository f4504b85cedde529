"""Pin a generated project's requirements again, keeping the owner's edits.

    python hooks/pin_requirements.py [PROJECT]

Reads the imports of the project's src/ and its model's modules (from its
answers), pins them with their closure to the versions installed in this
environment, records the pins as answers and renders them through Copier's
update at the project's template version. Run it after `copier update` or
after adding an import; the project must be a clean git work tree.
"""

import sys

from _entry import run_entry

if __name__ == "__main__":
    sys.exit(run_entry(__file__, sys.argv[1:], "pin_requirements"))
