"""Shell completion for `mljet`, written from the parsers the command uses.

`mljet --completion bash|zsh|fish` prints a script that completes the
options of generation (their choices, files and directories where a value
is a path), the `update` command and its options. Nothing is listed by
hand: a new option completes as soon as it is in `Options`.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")
# How a value is completed, from what the option takes.
FILES, DIRECTORIES, WORDS, NOTHING = "files", "directories", "words", "nothing"


@dataclass(frozen=True)
class Flag:
    """An option as a shell completes it."""

    names: tuple[str, ...]
    about: str
    value: str | None  # None: a flag that takes no value
    words: tuple[str, ...] = ()


def flags_of(parser: argparse.ArgumentParser) -> Iterator[Flag]:
    for action in parser._actions:
        if not action.option_strings:
            continue
        about = _short(action.help or "")
        if action.nargs == 0:
            yield Flag(tuple(action.option_strings), about, None)
        elif action.choices:
            words = tuple(str(choice) for choice in action.choices)
            yield Flag(tuple(action.option_strings), about, WORDS, words)
        else:
            yield Flag(tuple(action.option_strings), about, _value_kind(action))


def _short(help_text: str) -> str:
    """A help text's first clause, as a completion menu shows it."""
    clause = re.split(r" \(|; ", " ".join(help_text.split()))[0]
    return textwrap.shorten(clause, 60, placeholder="...")


def _value_kind(action: argparse.Action) -> str:
    metavar = str(action.metavar or "")
    if metavar in ("FILE", "PATH"):
        return FILES
    if metavar == "DIR":
        return DIRECTORIES
    return NOTHING


def completion_script(
    shell: str, generate: argparse.ArgumentParser, update: argparse.ArgumentParser
) -> str:
    """The script for `shell` that completes both command lines."""
    return WRITERS[shell](list(flags_of(generate)), list(flags_of(update)))


def _bash(generate: list[Flag], update: list[Flag]) -> str:
    cases = []
    for flag in generate:
        if flag.value is None:
            continue
        reply = {
            WORDS: f'($(compgen -W "{" ".join(flag.words)}" -- "$cur"))',
            FILES: '($(compgen -f -- "$cur"))',
            DIRECTORIES: '($(compgen -d -- "$cur"))',
            NOTHING: "()",  # a value of the user's own: nothing to offer
        }[flag.value]
        cases.append(f'        {"|".join(flag.names)}) COMPREPLY={reply}; return;;')
    every = " ".join(name for flag in generate for name in flag.names)
    updating = " ".join(name for flag in update for name in flag.names)
    return f"""# bash completion for mljet (mljet --completion bash)
_mljet() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    if [[ $COMP_CWORD -gt 1 && "${{COMP_WORDS[1]}}" == update ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "{updating}" -- "$cur"))
        else
            COMPREPLY=($(compgen -d -- "$cur"))
        fi
        return
    fi
    case "$prev" in
{chr(10).join(cases)}
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "{every}" -- "$cur"))
    elif [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "update" -- "$cur") $(compgen -f -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _mljet mljet
"""


def _zsh(generate: list[Flag], update: list[Flag]) -> str:
    def specs(flags: list[Flag]) -> str:
        lines = []
        for flag in flags:
            action = {
                None: "",
                WORDS: f":value:({' '.join(flag.words)})",
                FILES: ":file:_files",
                DIRECTORIES: ":directory:_files -/",
                NOTHING: ":value: ",
            }[flag.value]
            about = _zsh_quoted(flag.about)
            names = flag.names
            if len(names) > 1:
                exclusive = f"({' '.join(names)})"
                lines.append(f"'{exclusive}'{{{','.join(names)}}}'[{about}]{action}'")
            else:
                lines.append(f"'{names[0]}[{about}]{action}'")
        return " \\\n        ".join(lines)

    first = (
        "'1:model file or command:"
        '{_alternative "commands:command:(update)" "files:model file:_files"}\''
    )
    return f"""#compdef mljet
# zsh completion for mljet (mljet --completion zsh)
_mljet() {{
    if (( CURRENT > 2 )) && [[ $words[2] == update ]]; then
        shift words; (( CURRENT-- ))
        _arguments \\
        {specs(update)} \\
        '1:project:_files -/'
        return
    fi
    _arguments \\
        {specs(generate)} \\
        {first}
}}
_mljet "$@"
"""


def _zsh_quoted(text: str) -> str:
    """A description as _arguments reads it: no brackets, colons or quotes."""
    for character in "[]:'\\":
        text = text.replace(character, " ")
    return " ".join(text.split())[:70]


def _fish(generate: list[Flag], update: list[Flag]) -> str:
    lines = [
        "# fish completion for mljet (mljet --completion fish)",
        "complete -c mljet -n __fish_use_subcommand -a update "
        "-d 'bring a generated service to this template'",
    ]
    for condition, flags in (
        ("not __fish_seen_subcommand_from update", generate),
        ("__fish_seen_subcommand_from update", update),
    ):
        for flag in flags:
            names = " ".join(
                f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}"
                for name in flag.names
            )
            value = {
                None: "",
                WORDS: f" -x -a '{' '.join(flag.words)}'",
                FILES: " -r -F",
                DIRECTORIES: " -x -a '(__fish_complete_directories)'",
                NOTHING: " -x",
            }[flag.value]
            about = flag.about.replace("'", "")[:70]
            lines.append(
                f"complete -c mljet -n '{condition}' {names}{value} -d '{about}'"
            )
    return "\n".join(lines) + "\n"


WRITERS: dict[str, Callable[[list[Flag], list[Flag]], str]] = {
    "bash": _bash,
    "zsh": _zsh,
    "fish": _fish,
}
