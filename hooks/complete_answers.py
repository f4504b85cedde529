"""Before `copier update`: record the answers this template needs and lacks.

    python hooks/complete_answers.py [PROJECT]

Copier runs it (a `_migrations` entry) in the project being updated. A
project made by an earlier template may lack answers this one renders from;
they are derived as generation would have recorded them (golden values by
the project's own code, so in the model's Python). When none is missing it
returns at once, without the generator.
"""

import sys
from pathlib import Path

from _entry import TEMPLATE_ROOT, recorded_questions, run_entry, top_level_keys

if __name__ == "__main__":
    project = Path(next((a for a in sys.argv[1:] if not a.startswith("-")), "."))
    asked = recorded_questions(TEMPLATE_ROOT / "copier.yml")
    if asked <= top_level_keys(project / ".copier-answers.yml"):
        sys.exit(0)
    sys.exit(run_entry(__file__, sys.argv[1:], "complete_answers"))
