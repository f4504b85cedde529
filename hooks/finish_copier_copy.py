"""The Copier task after plain `copier copy`: let the generator finish the project.

Copier runs its tasks with whatever `python3` is first on PATH, which is the
active environment: the one that should hold the model's libraries (or
MLJET_PYTHON). It introspects the model and renders the full project over
the skeleton Copier rendered, through the generator's own pipeline.
"""

import sys

from _entry import run_entry

if __name__ == "__main__":
    sys.exit(run_entry(__file__, sys.argv[1:], "finish_copier_copy"))
