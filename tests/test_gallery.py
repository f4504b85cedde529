"""docs/gallery.md runs as written: each section (a model family, or the
protocols) in a directory of its own, its Python files written and its
commands run in order, each call's answer the one the page shows."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from doc_pages import code_blocks, on_port, shell_env, wait_until_ready

import models
from servers import free_port

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "gallery.md"
SECTIONS = re.split(r"^## ", PAGE.read_text(), flags=re.MULTILINE)[1:]
# Answers are compared to this relative tolerance: the page rounds nothing,
# but a library's next release may move a score in its last digits.
TOLERANCE = 1e-6


def test_the_gallery_has_a_section_per_family_and_one_for_the_protocols() -> None:
    titles = [section.splitlines()[0] for section in SECTIONS]
    # A family fitted elsewhere has its own how-to: the gallery runs here.
    for family in models.FAMILIES_HERE:
        assert any(f"(`{family.name}`)" in title for title in titles), family.name
    assert any("protocol" in title for title in titles)


@pytest.mark.system
@pytest.mark.parametrize(
    "section", SECTIONS, ids=[s.splitlines()[0].split(":")[0] for s in SECTIONS]
)
def test_each_gallery_section_runs_as_written(section: str, tmp_path: Path) -> None:
    port = free_port()
    script: list[str] = []
    shown: list[Any] = []
    for kind, code in code_blocks(section):
        if kind == "python":
            name = code.splitlines()[0].removeprefix("# ").strip()
            (tmp_path / name).write_text(code)
        elif kind == "bash":
            script.extend(_commands(code, port, len(shown)))
        elif kind == "json":
            shown.append(json.loads(code))
    # The page's services answer on 8000; here, on a free port each.
    env = shell_env(port)
    # A session of its own: the services it starts are stopped with it. A
    # file for its output, which they keep open.
    log = tmp_path / "section.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-e", "-c", "\n".join(script)], cwd=tmp_path, env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            process.wait(timeout=600)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    assert process.returncode == 0, log.read_text()[-3000:]
    answers = [
        json.loads((tmp_path / f"answer{index}.json").read_text())
        for index in range(len(shown))
    ]
    assert _same(answers, shown), answers


def _commands(code: str, port: int, answered: int) -> list[str]:
    """The block's commands, a service started waited for until ready, each
    call's answer kept in a file of its own."""
    commands = []
    for command in code.replace("\\\n", " ").splitlines():
        command = on_port(command.strip(), port)
        if command.startswith("curl"):
            command = f"{command} > answer{answered}.json"
            answered += 1
        commands.append(command)
        if command.endswith("&"):
            commands.append(wait_until_ready(port))
    return commands


def _same(found: Any, expected: Any) -> bool:
    """JSON values equal, floats to TOLERANCE."""
    if isinstance(expected, dict):
        return (
            isinstance(found, dict)
            and found.keys() == expected.keys()
            and all(_same(found[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(found, list)
            and len(found) == len(expected)
            and all(_same(f, e) for f, e in zip(found, expected, strict=True))
        )
    if isinstance(expected, float) and isinstance(found, (int, float)):
        return bool(found == pytest.approx(expected, rel=TOLERANCE))
    return bool(found == expected)
