"""Run-time settings, read once from environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .spec import ServiceSpec


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where to listen, how many workers, and the request limits."""

    host: str
    port: int
    workers: int
    max_instances: int
    max_body_bytes: int
    log_level: str

    @classmethod
    def from_env(
        cls, spec: ServiceSpec, env: Mapping[str, str] = os.environ
    ) -> Settings:
        return cls(
            host=env.get("HOST", "0.0.0.0"),
            port=_positive_int(env, "PORT", 8000, maximum=65535),
            workers=_positive_int(env, "WORKERS", 1),
            max_instances=_positive_int(env, "MAX_INSTANCES", spec.max_instances),
            max_body_bytes=_positive_int(env, "MAX_BODY_BYTES", spec.max_body_bytes),
            log_level=_log_level(env.get("LOG_LEVEL", "info")),
        )


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


def _log_level(raw: str) -> str:
    level = raw.strip().lower()
    if level not in {"critical", "error", "warning", "info", "debug"}:
        raise SettingsError(
            "LOG_LEVEL must be one of critical, error, warning, info, debug; "
            f"got {raw!r}"
        )
    return level
