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
        ({"HEADER_TIMEOUT": "soon"}, "HEADER_TIMEOUT must be a number of seconds"),
        ({"BODY_TIMEOUT": "0"}, "BODY_TIMEOUT must be more than 0 and at most"),
        ({"KEEP_ALIVE_TIMEOUT": "nan"}, "KEEP_ALIVE_TIMEOUT must be more than 0"),
        ({"SHUTDOWN_TIMEOUT": "inf"}, "SHUTDOWN_TIMEOUT must be more than 0"),
        (
            {"REQUEST_TIMEOUT": "30", "SHUTDOWN_TIMEOUT": "20"},
            r"REQUEST_TIMEOUT \(30 s\) must be shorter than SHUTDOWN_TIMEOUT \(20 s\)",
        ),
    ],
)
def test_a_bad_value_is_named(core: Core, env: dict[str, str], message: str) -> None:
    with pytest.raises(core.module("settings").SettingsError, match=message):
        settings_from(core, env)


def test_blank_values_mean_the_default(core: Core) -> None:
    assert settings_from(core, {"PORT": " ", "WORKERS": ""}).port == 8000  # type: ignore[attr-defined]


def test_batching_is_on_by_default_exactly_when_the_model_allows_it(
    core: Core,
) -> None:
    spec = core.module("spec").ServiceSpec.load()
    batching = settings_from(core, {}).batching  # type: ignore[attr-defined]
    assert batching.enabled is spec.batching.exact
    assert (batching.max_rows, batching.max_wait) == (spec.max_batch_rows, 0.0)
    assert settings_from(core, {}).model_threads == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("env", "enabled", "max_rows", "max_wait"),
    [
        ({"BATCHING": "off"}, False, None, 0.0),
        ({"BATCHING": " ON "}, True, None, 0.0),
        ({"BATCHING": "1", "MAX_BATCH_ROWS": "7"}, True, 7, 0.0),
        ({"BATCHING": "true", "MAX_BATCH_WAIT_MS": "2.5"}, True, None, 0.0025),
    ],
)
def test_batching_settings_are_read_from_the_environment(
    core: Core,
    env: dict[str, str],
    enabled: bool,
    max_rows: int | None,
    max_wait: float,
) -> None:
    batching = settings_from(core, env).batching  # type: ignore[attr-defined]
    assert batching.enabled is enabled
    assert batching.max_wait == max_wait
    if max_rows is not None:
        assert batching.max_rows == max_rows


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BATCHING": "sometimes"}, "BATCHING must be on or off, got 'sometimes'"),
        ({"MAX_BATCH_ROWS": "0"}, "MAX_BATCH_ROWS must be at least 1, got 0"),
        ({"MAX_BATCH_WAIT_MS": "soon"}, "MAX_BATCH_WAIT_MS must be a number of "),
        ({"MAX_BATCH_WAIT_MS": "-1"}, "MAX_BATCH_WAIT_MS must be between 0 and 1000"),
        ({"MAX_BATCH_WAIT_MS": "nan"}, "MAX_BATCH_WAIT_MS must be between 0 and 1000"),
        ({"MODEL_THREADS": "0"}, "MODEL_THREADS must be at least 1, got 0"),
    ],
)
def test_a_bad_batching_value_is_named(
    core: Core, env: dict[str, str], message: str
) -> None:
    with pytest.raises(core.module("settings").SettingsError, match=message):
        settings_from(core, env)


def test_model_threads_set_the_numeric_libraries_threads_unless_already_set(
    core: Core,
) -> None:
    threads = core.module("threads")
    env = {"MODEL_THREADS": "3", "MKL_NUM_THREADS": "2"}
    threads.limit_threads(env)
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "3"
    assert env["MKL_NUM_THREADS"] == "2"
    unset: dict[str, str] = {}
    threads.limit_threads(unset)
    assert set(unset.values()) == {"1"} and "OMP_NUM_THREADS" in unset


def test_timeouts_have_safe_defaults_and_take_fractions(core: Core) -> None:
    timeouts = settings_from(core, {"HEADER_TIMEOUT": "2.5"}).timeouts  # type: ignore[attr-defined]
    assert timeouts.header == 2.5
    # A request received before a shutdown can finish; the shutdown ends
    # within the 30 s Kubernetes gives a pod.
    assert timeouts.request < timeouts.shutdown < 30
