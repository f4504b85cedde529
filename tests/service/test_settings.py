"""Run-time settings read from the environment (`src/PACKAGE/mljet/settings.py`),
their defaults from the owner's `src/PACKAGE/settings.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Core


def settings_from(
    core: Core, env: dict[str, str], defaults: dict[str, object] | None = None
) -> object:
    spec = core.module("spec").ServiceSpec.load()
    return core.module("settings").Settings.from_env(spec, env, defaults)


def test_defaults_come_from_the_owners_settings(core: Core) -> None:
    settings = settings_from(core, {})
    owner = core.owner_module("settings").DEFAULTS
    assert (settings.port, settings.workers, settings.host) == (8000, 1, "0.0.0.0")  # type: ignore[attr-defined]
    assert settings.max_instances == owner["MAX_INSTANCES"] == 10_000  # type: ignore[attr-defined]


def test_an_owners_default_is_read_and_checked_as_a_variable_is(core: Core) -> None:
    chosen = {"PORT": 9000, "PROTECT_ALL": True, "API_KEYS": "k" * 16, "BATCHING": None}
    settings = settings_from(core, {}, chosen)
    assert settings.port == 9000  # type: ignore[attr-defined]
    assert settings.access.protect_all is True  # type: ignore[attr-defined]
    # The environment wins over the owner's default.
    assert settings_from(core, {"PORT": "7000"}, chosen).port == 7000  # type: ignore[attr-defined]
    error = core.module("settings").SettingsError
    with pytest.raises(error, match="PORT must be at least 1"):
        settings_from(core, {}, {"PORT": 0})
    with pytest.raises(error, match=r"settings\.py sets WORKER, which the service"):
        settings_from(core, {}, {"WORKER": 2})


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
        ({"API_KEYS": "a" * 16 + ",short"}, "API_KEYS: key 2 must be at least 16"),
        ({"API_KEYS": "a" * 15 + "\u00e9"}, "API_KEYS: key 1 must be at least 16"),
        (
            {"API_KEYS": "a" * 16, "API_KEYS_FILE": "/keys"},
            "set API_KEYS or API_KEYS_FILE, not both",
        ),
        ({"API_KEYS_FILE": "/no/such/keys"}, "API_KEYS_FILE '/no/such/keys' cannot"),
        ({"PROTECT_ALL": "maybe"}, "PROTECT_ALL must be on or off"),
        ({"PROTECT_ALL": "on"}, "PROTECT_ALL is on but no API key is set: set API"),
        ({"CORS_ORIGINS": "https://a.example/app"}, "CORS_ORIGINS must be \\* or"),
        ({"CORS_ORIGINS": "a.example"}, "got 'a.example'"),
        ({"ROOT_PATH": "/models/"}, "ROOT_PATH must be a path prefix"),
        ({"ROOT_PATH": "models"}, "ROOT_PATH must be a path prefix"),
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
    assert (batching.max_rows, batching.max_wait) == (1024, 0.0)
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


def test_keys_come_from_a_file_without_its_comments(core: Core, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# the web team\n" + "w" * 20 + "\n\n  " + "b" * 20 + "  \n")
    access = settings_from(core, {"API_KEYS_FILE": str(keys)}).access  # type: ignore[attr-defined]
    assert access.api_keys == ("w" * 20, "b" * 20)
    keys.write_text("# nobody yet\n")
    with pytest.raises(core.module("settings").SettingsError, match="holds no key"):
        settings_from(core, {"API_KEYS_FILE": str(keys)})


def test_a_refused_key_is_never_repeated(core: Core) -> None:
    secret = "s3cret-but-too-short"[:15]
    with pytest.raises(core.module("settings").SettingsError) as refused:
        settings_from(core, {"API_KEYS": secret})
    assert secret not in str(refused.value)


def test_access_settings_are_off_by_default_and_read_when_set(core: Core) -> None:
    assert settings_from(core, {}).access == core.module("settings").AccessRules()  # type: ignore[attr-defined]
    access = settings_from(core, {  # type: ignore[attr-defined]
        "API_KEYS": " " + "a" * 16 + " , " + "b" * 16, "PROTECT_ALL": "on",
        "CORS_ORIGINS": "https://a.example, http://localhost:3000",
        "ROOT_PATH": "/models/churn-v2",
    }).access  # fmt: skip
    assert access.api_keys == ("a" * 16, "b" * 16) and access.protect_all
    assert access.cors_origins == ("https://a.example", "http://localhost:3000")
    assert access.root_path == "/models/churn-v2"
