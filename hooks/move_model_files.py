"""After `copier update`: the model's files where this template keeps them.

    python hooks/move_model_files.py [PROJECT]

Copier runs it (a `_migrations` entry) in the project just updated. A
project made before MLJET 0.3.0 kept the model's files in `src/PACKAGE/model/`;
the template now renders `spec.json` into `src/PACKAGE/model_files/`, and the
stored model, which no template renders, is moved there beside it. Needs
nothing but Python: a plain `copier update` runs it too.
"""

import re
import sys
from pathlib import Path

EARLIER, NOW = "model", "model_files"


def move_model_files(project: Path) -> None:
    answers = (project / ".copier-answers.yml").read_text()
    found = {
        key: re.search(rf"(?m)^{key}: ['\"]?([\w.-]+)['\"]?$", answers)
        for key in ("package_name", "model_filename")
    }
    if not all(found.values()):
        return
    package, filename = (match.group(1) for match in found.values() if match)
    earlier = project / "src" / package / EARLIER
    now = project / "src" / package / NOW
    if (earlier / filename).is_file() and not (now / filename).exists():
        now.mkdir(exist_ok=True)
        (earlier / filename).rename(now / filename)
    if earlier.is_dir() and not any(earlier.iterdir()):
        earlier.rmdir()


if __name__ == "__main__":
    move_model_files(
        Path(next((a for a in sys.argv[1:] if not a.startswith("-")), "."))
    )
