"""Shell completion (`generator/_entry_points/_completion.py`): the scripts
`mljet --completion SHELL` prints, installed and asked to complete by each
shell itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cli import run_generator
from generator._entry_points._cli import parser
from generator._rendering._options import option_specs


def script(shell: str, folder: Path) -> Path:
    printed = run_generator("--completion", shell, cwd=folder)
    assert printed.returncode == 0, printed.stderr
    path = folder / {"bash": "mljet", "zsh": "_mljet", "fish": "mljet.fish"}[shell]
    path.write_text(printed.stdout)
    return path


def needs(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.skip(f"{program} is not installed")
    return found


def bash_completes(installed: Path, *words: str) -> list[str]:
    """What bash offers for the last of `words`, as if typed after mljet."""
    line = " ".join(f"'{word}'" for word in ("mljet", *words))
    done = subprocess.run(
        [needs("bash"), "-c", f'source "{installed}"; COMP_WORDS=({line}); '
         f'COMP_CWORD={len(words)}; _mljet; printf "%s\\n" "${{COMPREPLY[@]}}"'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split()


def fish_completes(installed: Path, typed: str) -> list[str]:
    done = subprocess.run(
        [needs("fish"), "-c", f"source {installed}; complete -C 'mljet {typed}'"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [line.split("\t")[0] for line in done.stdout.splitlines()]


def test_bash_completes_options_choices_and_the_update_command(tmp_path: Path) -> None:
    installed = script("bash", tmp_path)
    assert bash_completes(installed, "--back") == ["--backend"]
    assert bash_completes(installed, "--backend", "f") == ["fastapi", "flask"]
    assert bash_completes(installed, "--artifact", "") == ["docker", "wheel"]
    assert bash_completes(installed, "upd") == ["update"]
    assert bash_completes(installed, "update", "--no") == ["--no-checks"]
    (tmp_path / "model.joblib").write_bytes(b"")
    assert "model.joblib" in bash_completes(installed, str(tmp_path / "mod"))[0]
    # Every option of the registry is offered.
    offered = bash_completes(installed, "--")
    assert {spec.flag for _, spec in option_specs()} <= set(offered)


def test_fish_completes_options_choices_and_the_update_command(tmp_path: Path) -> None:
    installed = script("fish", tmp_path)
    assert fish_completes(installed, "--back") == ["--backend"]
    assert set(fish_completes(installed, "--runtime ")) == {"native", "onnx"}
    assert fish_completes(installed, "upd") == ["update"]
    assert fish_completes(installed, "update --no") == ["--no-checks"]
    offered = set(fish_completes(installed, "--"))
    assert {spec.flag for _, spec in option_specs()} <= offered


def test_zsh_installs_the_script_for_mljet(tmp_path: Path) -> None:
    """zsh reads the script as a completion function (compinit registers it
    for mljet), and it names every option with its choices."""
    installed = script("zsh", tmp_path)
    zsh = needs("zsh")
    subprocess.run([zsh, "-n", str(installed)], check=True)
    registered = subprocess.run(
        [zsh, "-f", "-c", f"fpath=({tmp_path} $fpath); autoload -U compinit; "
         f"compinit -u -d {tmp_path}/dump; print -- ${{_comps[mljet]}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert registered.stdout.strip() == "_mljet"
    text = installed.read_text()
    for action in parser()._actions:
        for flag in action.option_strings:
            assert f"{flag}[" in text or f"{flag}," in text or f",{flag}}}" in text
    assert "--backend[web framework and production server of the service]" \
           ":value:(fastapi flask sanic aiohttp)" in text  # fmt: skip
