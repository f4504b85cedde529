"""MkDocs hook: the reference pages' tables, written from their one source.

`<!-- mljet:cli -->` becomes the command line's options, from the parser
the CLI itself builds (`generator._entry_points._cli.parser`); `<!-- mljet:answers -->`
becomes the Copier questions, from `copier.yml`. Nothing is listed by hand,
so the site cannot drift from the tool.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def on_page_markdown(markdown: str, **_: Any) -> str:
    tables = {
        "cli": cli_table,
        "answers": answers_table,
        "backends": backends_table,
        "families": families_table,
    }
    for name, table in tables.items():
        marker = f"<!-- mljet:{name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, table())
    return markdown


def backends_table() -> str:
    from generator._rendering._backends import BACKENDS, DEFAULT_BACKEND

    rows = [
        "| `--backend` | framework and server | `python -m PACKAGE` runs | "
        "the server's own command |",
        "| --- | --- | --- | --- |",
    ]
    for backend in BACKENDS.values():
        name = f"`{backend.name}`" + (
            " (default)" if backend.name == DEFAULT_BACKEND else ""
        )
        command = backend.command.format(package="PACKAGE")
        rows.append(
            f"| {name} | {_cell(backend.label)} | {_cell(backend.workers)} | "
            f"`{command}` |"
        )
    return "\n".join(rows)


def families_table() -> str:
    from generator._model._families import FAMILIES

    rows = [
        "| family | library | serves | its own model files |",
        "| --- | --- | --- | --- |",
    ]
    for family in FAMILIES:
        files = ", ".join(f"`{s}`" for s in family.file_suffixes) or "-"
        rows.append(
            f"| `{family.name}` | {_cell(family.library)} | "
            f"{_cell(family.supported)} | {files} |"
        )
    return "\n".join(rows)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def cli_table() -> str:
    from generator._entry_points._cli import parser

    rows = ["| option | meaning | default |", "| --- | --- | --- |"]
    for action in parser()._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        flags = ", ".join(f"`{flag}`" for flag in action.option_strings)
        name = flags or f"`{action.dest.upper()}`"
        if action.metavar and action.option_strings:
            name += f" `{action.metavar}`"
        if action.choices:
            name += " " + "\\|".join(f"`{c}`" for c in action.choices)
        meaning = (action.help or "").replace(" (default: %(default)s)", "")
        default = action.default
        shown = (
            "" if default in (None, False, [], argparse.SUPPRESS) else f"`{default}`"
        )
        rows.append(f"| {name} | {_cell(meaning)} | {shown} |")
    return "\n".join(rows)


def answers_table() -> str:
    questions = yaml.safe_load((ROOT / "copier.yml").read_text())
    rows = ["| answer | type | what it holds |", "| --- | --- | --- |"]
    for name, question in questions.items():
        if name.startswith("_") or not isinstance(question, dict):
            continue
        asked = "asked" if question.get("when", True) is True else "recorded"
        kind = question.get("type", "str")
        rows.append(
            f"| `{name}` | {kind}, {asked} | {_cell(question.get('help', ''))} |"
        )
    return "\n".join(rows)
