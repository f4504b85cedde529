"""Run-time settings read from the environment (`src/PACKAGE/settings.py`)."""

from __future__ import annotations

import pytest

from conftest import Core


def settings_from(core: Core, env: dict[str, str]) -> object:
    spec = core.module("spec").ServiceSpec.load()
    return core.module("settings").Settings.from_env(spec, env)


def test_defaults_come_from_the_spec(core: Core) -> None:
    settings = settings_from(core, {})
    spec = core.module("spec").ServiceSpec.load()
    assert (settings.port, settings.workers, settings.host) == (8000, 1, "0.0.0.0")  # type: ignore[attr-defined]
    assert settings.max_instances == spec.max_instances  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number, got 'eighty'"),
        ({"PORT": "70000"}, "PORT must be at least 1 and at most 65535, got 70000"),
        ({"WORKERS": "0"}, "WORKERS must be at least 1, got 0"),
        ({"MAX_INSTANCES": "-3"}, "MAX_INSTANCES must be at least 1, got -3"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of critical, error"),
    ],
)
def test_a_bad_value_is_named(core: Core, env: dict[str, str], message: str) -> None:
    with pytest.raises(core.module("settings").SettingsError, match=message):
        settings_from(core, env)


def test_blank_values_mean_the_default(core: Core) -> None:
    assert settings_from(core, {"PORT": " ", "WORKERS": ""}).port == 8000  # type: ignore[attr-defined]
