"""Options' defaults from the environment and a file
(`generator/_entry_points/_defaults.py`): their precedence, and a clear
error for each value or name they get wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator._base._errors import MljetError
from generator._entry_points._cli import parser
from generator._entry_points._defaults import configured_defaults


def chosen(directory: Path, environ: dict[str, str], *flags: str) -> dict[str, object]:
    configured = configured_defaults(directory, environ)
    return vars(parser(configured).parse_args(["model.joblib", *flags]))


def test_a_flag_wins_over_a_variable_which_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "mljet.toml").write_text(
        'backend = "flask"\nmax_batch_rows = 64\ncode = ["steps.py"]\n'
        "trust = true\ngit = false\n"
    )
    assert chosen(tmp_path, {})["backend"] == "flask"
    env = {"MLJET_BACKEND": "sanic", "MLJET_ONNX_TOLERANCE": "0.01"}
    assert chosen(tmp_path, env)["backend"] == "sanic"
    args = chosen(tmp_path, env, "--backend", "aiohttp", "--code", "more.py")
    assert args["backend"] == "aiohttp"
    assert (args["max_batch_rows"], args["onnx_tolerance"]) == (64, 0.01)
    assert args["code"] == ["steps.py", "more.py"]
    assert (args["trust"], args["git"]) == (True, False)
    # Without any: the options' own defaults.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert chosen(elsewhere, {})["backend"] == "fastapi"


def test_mljet_toml_is_read_before_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mljet]\nbackend = "flask"\n')
    assert chosen(tmp_path, {})["backend"] == "flask"
    (tmp_path / "mljet.toml").write_text('backend = "sanic"\n')
    assert chosen(tmp_path, {})["backend"] == "sanic"


@pytest.mark.parametrize(
    ("file", "environ", "message"),
    [
        ("", {"MLJET_BACKEND": "django"},
         "MLJET_BACKEND: backend: unknown choice 'django'"),
        ("", {"MLJET_MAX_INSTANCES": "many"},
         "MLJET_MAX_INSTANCES: max_instances must be a whole number, got 'many'"),
        ("", {"MLJET_TRUST": "maybe"}, "MLJET_TRUST: trust must be one of 1, true"),
        ("bakend = 'sanic'\n", {},
         "mljet.toml: unknown option 'bakend' (did you mean 'backend'?)"),
        ("max-instances = 0\n", {},
         "mljet.toml: max_instances: must be at least 1, got 0"),
        ("trust = 'yes'\n", {}, "mljet.toml: trust must be true or false, got 'yes'"),
        ("backend = \n", {}, "mljet.toml: not readable TOML"),
    ],
)  # fmt: skip
def test_a_wrong_default_names_where_it_was_set(
    tmp_path: Path, file: str, environ: dict[str, str], message: str
) -> None:
    if file:
        (tmp_path / "mljet.toml").write_text(file)
    with pytest.raises(MljetError) as refused:
        configured_defaults(tmp_path, environ)
    assert message in str(refused.value)
