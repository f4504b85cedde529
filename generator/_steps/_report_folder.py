"""A library's own report about the model (`--report DIR`), copied into
the service.

Some libraries write a report of their own about a fitted model: an HTML
page and the charts it shows beside it, linked by relative names (the
family says which, `ModelFamily.own_report`). The folder is copied, its
files byte for byte, into the service's model files; the service serves
the page at the family's path and each file under it, so every link
holds, and nothing else. Only the files a browser shows are copied
(pages, images, styles, scripts); a folder without the report's page, or
too large to ship in an image, is refused before anything is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from .._base._errors import MljetError
from .._model._families import ModelFamily

# Where the service keeps the folder, inside `model_files/`.
FOLDER = "own_report"
SHOWN_SUFFIXES = (".html", ".png", ".jpg", ".jpeg", ".svg", ".gif", ".css", ".js")
# A report's page and charts weigh about a megabyte; far more is not one.
MAX_BYTES = 50 * 1024 * 1024


def copy_report_folder(
    source: Path, family: ModelFamily, model_dir: Path
) -> dict[str, Any]:
    """Copy the report's files into `model_dir`; the answer that lists them."""
    own = family.own_report
    if own is None:
        raise MljetError(
            f"--report serves the report a model's library writes about it; "
            f"{family.library} writes none that MLJET knows. --eval FILE "
            "--target COLUMN gives any model a report card."
        )
    files = report_files(source, own.writer, own.page)
    destination = model_dir / FOLDER
    shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir()
    for path in files:
        shutil.copyfile(path, destination / path.name)
    return {
        "writer": own.writer.split(" (")[0],
        "page": own.page,
        "path": own.path,
        "folder": FOLDER,
        "files": sorted(path.name for path in files),
    }


def report_files(source: Path, writer: str, page: str) -> list[Path]:
    """The files of a report folder a browser shows; MljetError saying what
    is wrong with one that is not."""
    if not source.is_dir():
        raise MljetError(
            f"--report takes the folder {writer} wrote; {source} is not a directory."
        )
    if not (source / page).is_file():
        raise MljetError(
            f"{source} holds no {page}: --report takes the folder {writer} wrote."
        )
    # Regular files only: a link may point anywhere on this machine.
    files = sorted(
        path
        for path in source.iterdir()
        if path.suffix.lower() in SHOWN_SUFFIXES
        and path.is_file()
        and not path.is_symlink()
    )
    size = sum(path.stat().st_size for path in files)
    if size > MAX_BYTES:
        raise MljetError(
            f"The report in {source} weighs {size / 1e6:.0f} MB; the service "
            f"would ship it in every image. At most {MAX_BYTES // 2**20} MB is "
            "copied."
        )
    return files
