"""`python -m` entry point: check the settings and the model, then serve."""

from __future__ import annotations

import sys

from .runtime import ModelLoadError, ModelRuntime
from .settings import Settings, SettingsError
from .spec import ServiceSpec


def main() -> int:
    spec = ServiceSpec.load()
    try:
        settings = Settings.from_env(spec)
        ModelRuntime.verify(spec)
    except (SettingsError, ModelLoadError) as error:
        print(f"{spec.service}: cannot start: {error}", file=sys.stderr)
        return 2
    from .app import serve

    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
