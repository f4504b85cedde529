"""`python -m` entry point: check the settings and the model, then serve."""

from __future__ import annotations

import gc
import sys

from .settings import Settings, SettingsError
from .spec import ServiceSpec


def main() -> int:
    # The libraries about to load live as long as the process: collecting
    # while they import only walks them again and again (a fifth of the
    # start-up). `PredictionService.load` freezes them before collections
    # resume.
    gc.disable()
    from .runtime import ModelLoadError, ModelRuntime

    spec = ServiceSpec.load()
    try:
        settings = Settings.from_env(spec)
        ModelRuntime.verify(spec)
    except (SettingsError, ModelLoadError) as error:
        print(f"{spec.service}: cannot start: {error}", file=sys.stderr)
        return 2
    # Importing the app configures the log (`PredictionService.from_env`).
    from .app import serve

    # A server whose workers are other processes (gunicorn's master) loads
    # no model here: it collects as usual.
    gc.enable()
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
