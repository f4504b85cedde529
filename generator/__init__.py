"""MLJET's generator: turn a trained model into a web-service project.

    from generator import cook
    cook(model, sample=X, output="svc")

or, from a shell, `python -m generator model.joblib --sample X.csv`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._base._errors import HookError, MljetError, OptionError

# The one version: pyproject.toml reads it, and the template is tagged v<it>.
__version__ = "0.3.0"
__all__ = ["HookError", "MljetError", "OptionError", "Options", "__version__", "cook"]

# The package's folders, each a layer, from the bottom up: a module imports
# from its own layer and those below it, never above (tests/test_layers.py;
# docs/design.md says what each holds).
_LAYERS = (
    "_base",
    "_safety",
    "_model",
    "_artifacts",
    "_rendering",
    "_steps",
    "_entry_points",
)

if TYPE_CHECKING:
    from ._entry_points._cook import cook
    from ._rendering._options import Options


def __getattr__(name: str) -> Any:
    # Imported on first use: pandas and friends are not needed to start the
    # command line, which forks its rendering worker before loading them.
    if name == "cook":
        from ._entry_points._cook import cook

        return cook
    if name == "Options":
        from ._rendering._options import Options

        return Options
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
