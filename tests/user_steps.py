"""A module of the user's own that pickled models refer to: the tests ship
it with `--code`, as a user ships the module their training script used."""

from __future__ import annotations

import numpy as np


def fail_on_thirteen(x: np.ndarray) -> np.ndarray:
    """A transform with a bug: it crashes on one input, as real code can."""
    if np.any(np.asarray(x, dtype=float)[:, 0] == 13):
        raise RuntimeError("a bug in the model's own code")
    return x
