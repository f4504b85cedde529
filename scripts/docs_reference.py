"""The reference pages' tables, written from their one source.

Each table sits in its page between `<!-- mljet:NAME -->` and
`<!-- /mljet:NAME -->`: `cli`, the command line's options, from the parser
the CLI itself builds (`generator._entry_points._cli.parser`); `cook`,
`cook()`'s keywords, from `generator.Options`; `answers`, the Copier
questions, from `copier.yml`; `backends` and `families`, from their
registries. Nothing is listed by hand.

The tables are committed, so that the pages read whole on GitHub too:
`python scripts/docs_reference.py` writes them again after a change (a
test fails until it has). The site's build (an MkDocs hook) writes them
from the sources once more, so the site cannot drift either.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """The MkDocs hook: `markdown` with its tables written afresh."""
    return with_tables(markdown)


def with_tables(markdown: str) -> str:
    """`markdown` with each marked table written from its source."""
    for name, table in TABLES.items():
        region = re.compile(
            rf"<!-- mljet:{name} -->\n(?:.*?\n)?<!-- /mljet:{name} -->", re.DOTALL
        )
        if region.search(markdown) is None:
            continue  # a page without this table: its source is not read
        written = f"<!-- mljet:{name} -->\n{table()}\n<!-- /mljet:{name} -->"
        markdown = region.sub(lambda _, text=written: text, markdown)
    return markdown


def stale_pages() -> dict[Path, str]:
    """The pages whose committed tables differ from their sources', each
    with its text as written afresh."""
    stale = {}
    for page in sorted(DOCS.rglob("*.md")):
        committed = page.read_text()
        written = with_tables(committed)
        if written != committed:
            stale[page] = written
    return stale


def main() -> int:
    for page, written in stale_pages().items():
        page.write_text(written)
        print(f"wrote {page.relative_to(ROOT)}")
    return 0


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


def cook_table() -> str:
    from generator._rendering._options import default_of, option_specs

    rows = ["| keyword | meaning | default |", "| --- | --- | --- |"]
    for name, option in option_specs():
        meaning = option.help.replace(" (default: %(default)s)", "")
        default = default_of(name)
        shown = "" if default in (None, False, (), "") else f"`{default!r}`"
        rows.append(f"| `{name}` | {_cell(meaning)} (`{option.flag}`) | {shown} |")
    return "\n".join(rows)


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
        # A flag has no value to default: it is given, or not.
        flag = isinstance(
            action, (argparse._StoreTrueAction, argparse._StoreFalseAction)
        )
        shown = (
            ""
            if flag or default in (None, False, [], argparse.SUPPRESS)
            else f"`{default}`"
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


TABLES: dict[str, Callable[[], str]] = {
    "cli": cli_table,
    "cook": cook_table,
    "answers": answers_table,
    "backends": backends_table,
    "families": families_table,
}

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
