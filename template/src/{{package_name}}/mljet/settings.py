# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Run-time settings, read once from environment variables.

A variable that is not set takes its value from the owner's `settings.py`
(`DEFAULTS`, beside this package), else the one below. Both are checked
alike: a value the service cannot use stops it at start-up, naming the
variable.
"""

from __future__ import annotations

import os
import re
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .owner import defaults as owner_defaults
from .spec import ServiceSpec
from .threads import DEFAULT_MODEL_THREADS

SWITCHES = {
    "on": True,
    "true": True,
    "1": True,
    "off": False,
    "false": False,
    "0": False,
}
# Longer than any sensible wait: a batch held open this long is a mistake.
MAX_BATCH_WAIT_LIMIT_MS = 1000.0
# What a request may hold, and a model call, unless settings.py says.
DEFAULT_MAX_INSTANCES = 10_000
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_BATCH_ROWS = 1024
DEFAULT_MAX_EXPLAIN_ROWS = 100


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Batching:
    """Whether and how concurrent requests share a model call (`batching.py`).

    `exact` and `evidence` are what the generator found: whether the model
    answers every row inside a batch exactly as alone.
    """

    enabled: bool
    max_rows: int
    max_wait: float
    exact: bool
    evidence: str
    deviation: float | None = None

    @property
    def summary(self) -> str:
        if not self.enabled:
            return "no batching"
        wait = f", held open up to {self.max_wait * 1000:g} ms" if self.max_wait else ""
        return f"batching up to {self.max_rows} rows per model call{wait}"

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "max_rows": self.max_rows,
            "max_wait_ms": self.max_wait * 1000,
            "exact": self.exact,
            "evidence": self.evidence,
            # What batching this model costs: the largest difference in an
            # answer measured at generation (None: exact, or not measurable).
            "deviation": self.deviation,
        }


@dataclass(frozen=True)
class Timeouts:
    """How long a client may take to send, the model to answer, and the
    service to shut down, in seconds (`edge.py` holds connections to them)."""

    header: float
    body: float
    body_chunk: float
    keep_alive: float
    request: float
    shutdown: float


# Each timeout's environment variable and default, in seconds. A request
# received before a SIGTERM can finish within the shutdown timeout, which
# stays below the 30 s Kubernetes grants by default.
TIMEOUTS: dict[str, tuple[str, float]] = {
    "header": ("HEADER_TIMEOUT", 10.0),
    "body": ("BODY_TIMEOUT", 30.0),
    "body_chunk": ("BODY_CHUNK_TIMEOUT", 10.0),
    "keep_alive": ("KEEP_ALIVE_TIMEOUT", 75.0),
    "request": ("REQUEST_TIMEOUT", 15.0),
    "shutdown": ("SHUTDOWN_TIMEOUT", 20.0),
}
MAX_TIMEOUT = 3600.0
# Every setting the service reads, each from its environment variable.
SETTINGS = (
    "HOST", "PORT", "WORKERS", "MAX_INSTANCES", "MAX_EXPLAIN_ROWS",
    "MAX_BODY_BYTES", "LOG_LEVEL",
    "LOG_FORMAT", "BATCHING", "MAX_BATCH_ROWS", "MAX_BATCH_WAIT_MS",
    "MODEL_THREADS", *(variable for variable, _ in TIMEOUTS.values()),
    "API_KEYS", "API_KEYS_FILE", "PROTECT_ALL", "CORS_ORIGINS", "ROOT_PATH",
)  # fmt: skip


@dataclass(frozen=True)
class AccessRules:
    """Who may call which route, from which web pages, behind which path
    prefix (`access_control.py`). All off by default."""

    api_keys: tuple[str, ...] = ()
    protect_all: bool = False
    cors_origins: tuple[str, ...] = ()
    root_path: str = ""


# A key a client sends as `Authorization: Bearer <key>`: long enough not to
# be guessed, and only characters a header carries unchanged.
MIN_API_KEY_LENGTH = 16
_API_KEY = re.compile(r"[A-Za-z0-9._~+/=-]+")
# `*`, or an origin as a browser sends it: scheme, host, optional port.
_ORIGIN = re.compile(r"\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
_ROOT_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)+")


@dataclass(frozen=True)
class Settings:
    """Where to listen, how many workers, the request limits and batching."""

    host: str
    port: int
    workers: int
    max_instances: int
    max_body_bytes: int
    log_level: str
    log_format: str
    batching: Batching
    model_threads: int
    timeouts: Timeouts
    access: AccessRules = AccessRules()
    # The most rows one `/explain` request may hold.
    max_explain_rows: int = DEFAULT_MAX_EXPLAIN_ROWS

    @classmethod
    def from_env(
        cls,
        spec: ServiceSpec,
        environ: Mapping[str, str] = os.environ,
        defaults: Mapping[str, Any] | None = None,
    ) -> Settings:
        """The settings `environ` gives, each unset variable taking its value
        from `defaults` (the owner's `settings.DEFAULTS` unless given)."""
        chosen = owner_defaults() if defaults is None else defaults
        unknown = sorted(set(chosen) - set(SETTINGS))
        if unknown:
            raise SettingsError(
                f"settings.py sets {', '.join(unknown)}, which the service does not "
                f"read; settings: {', '.join(SETTINGS)}"
            )
        env = given(environ, chosen)
        return cls(
            host=env.get("HOST", "0.0.0.0"),
            port=_positive_int(env, "PORT", 8000, maximum=65535),
            workers=_positive_int(env, "WORKERS", 1),
            max_instances=_positive_int(env, "MAX_INSTANCES", DEFAULT_MAX_INSTANCES),
            max_body_bytes=_positive_int(env, "MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            log_level=_one_of(env, "LOG_LEVEL", "info", LOG_LEVELS),
            log_format=_one_of(env, "LOG_FORMAT", "text", LOG_FORMATS),
            batching=Batching(
                # Only a model that answers a row alike in any batch is
                # batched unless asked: then batching changes no answer.
                enabled=_switch(env, "BATCHING", spec.batching.exact),
                max_rows=_positive_int(env, "MAX_BATCH_ROWS", DEFAULT_MAX_BATCH_ROWS),
                max_wait=_milliseconds(env, "MAX_BATCH_WAIT_MS") / 1000,
                exact=spec.batching.exact,
                evidence=spec.batching.evidence,
                deviation=spec.batching.deviation,
            ),
            model_threads=_positive_int(env, "MODEL_THREADS", DEFAULT_MODEL_THREADS),
            timeouts=_timeouts(env),
            access=access_rules(env),
            max_explain_rows=_positive_int(
                env, "MAX_EXPLAIN_ROWS", DEFAULT_MAX_EXPLAIN_ROWS
            ),
        )


def given(environ: Mapping[str, str], defaults: Mapping[str, Any]) -> Mapping[str, str]:
    """The environment's variables, then `defaults` for those it does not
    set, as the text a variable would hold (None: no default)."""
    spelled = {
        name: _as_text(value) for name, value in defaults.items() if value is not None
    }
    return ChainMap(dict(environ), spelled)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _positive_int(
    env: Mapping[str, str], name: str, default: int, maximum: int | None = None
) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1 or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise SettingsError(f"{name} must be at least 1{upper}, got {value}")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in SWITCHES:
        raise SettingsError(f"{name} must be on or off, got {env[name]!r}")
    return SWITCHES[raw]


def _milliseconds(env: Mapping[str, str], name: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be a number of milliseconds, got {raw!r}"
        ) from None
    if not 0 <= value <= MAX_BATCH_WAIT_LIMIT_MS:
        raise SettingsError(
            f"{name} must be between 0 and {MAX_BATCH_WAIT_LIMIT_MS:g}, got {raw!r}"
        )
    return value


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
# `text` for people, `json` for a log collector (`logs.py`).
LOG_FORMATS = ("text", "json")


def _one_of(
    env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]
) -> str:
    """`name`'s value (`default` when unset) among `choices`, case and
    surrounding spaces ignored."""
    raw = env.get(name, default)
    chosen = raw.strip().lower()
    if chosen not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return chosen


def _timeouts(env: Mapping[str, str]) -> Timeouts:
    timeouts = Timeouts(
        **{
            name: _seconds(env, variable, default)
            for name, (variable, default) in TIMEOUTS.items()
        }
    )
    if timeouts.request >= timeouts.shutdown:
        raise SettingsError(
            f"REQUEST_TIMEOUT ({timeouts.request:g} s) must be shorter than "
            f"SHUTDOWN_TIMEOUT ({timeouts.shutdown:g} s), so that a request "
            "received before a shutdown can finish"
        )
    return timeouts


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be a number of seconds, got {raw!r}"
        ) from None
    if not 0 < value <= MAX_TIMEOUT:
        raise SettingsError(
            f"{name} must be more than 0 and at most {MAX_TIMEOUT:g} seconds, "
            f"got {raw!r}"
        )
    return value


def access_rules(env: Mapping[str, str]) -> AccessRules:
    origins = _listed(env.get("CORS_ORIGINS", ""))
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                "CORS_ORIGINS must be * or origins such as https://app.example.com"
                f" (scheme, host and port, no path), got {origin!r}"
            )
    root_path = env.get("ROOT_PATH", "").strip()
    if root_path and not _ROOT_PATH.fullmatch(root_path):
        raise SettingsError(
            "ROOT_PATH must be a path prefix such as /models/churn (no trailing "
            f"slash), got {root_path!r}"
        )
    api_keys, protect_all = _api_keys(env), _switch(env, "PROTECT_ALL", False)
    if protect_all and not api_keys:
        # Else it would start protecting nothing, and say nothing of it.
        raise SettingsError(
            "PROTECT_ALL is on but no API key is set: set API_KEYS or "
            "API_KEYS_FILE, or turn PROTECT_ALL off"
        )
    return AccessRules(
        api_keys=api_keys,
        protect_all=protect_all,
        cors_origins=origins,
        root_path=root_path,
    )


def _api_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """The keys of API_KEYS (comma-separated) or API_KEYS_FILE (one per
    line; blank lines and `#` comments skipped)."""
    listed, path = env.get("API_KEYS", "").strip(), env.get("API_KEYS_FILE", "").strip()
    if listed and path:
        raise SettingsError("set API_KEYS or API_KEYS_FILE, not both")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(
                f"API_KEYS_FILE {path!r} cannot be read: {error}"
            ) from None
        lines = (line.strip() for line in text.splitlines())
        keys = [line for line in lines if line and not line.startswith("#")]
        if not keys:
            raise SettingsError(f"API_KEYS_FILE {path!r} holds no key")
        source = "API_KEYS_FILE"
    else:
        keys = list(_listed(listed))
        source = "API_KEYS"
    for number, key in enumerate(keys, start=1):
        # The key itself is never repeated: an error message may be logged.
        if len(key) < MIN_API_KEY_LENGTH or not _API_KEY.fullmatch(key):
            raise SettingsError(
                f"{source}: key {number} must be at least {MIN_API_KEY_LENGTH} "
                "characters of letters, digits and ._~+/=- "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))' "
                "makes one)"
            )
    return tuple(keys)


def _listed(raw: str) -> tuple[str, ...]:
    """The comma-separated items of `raw`, without surrounding spaces."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())
