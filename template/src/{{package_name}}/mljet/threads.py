# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""One thread per worker process for the model's numerical libraries.

BLAS and OpenMP size their thread pools from these variables when they are
first loaded. A pool per worker, each as wide as the machine, makes workers
and batches fight over the cores; one thread each is the sensible default
for a service that runs a worker per core. `MODEL_THREADS` changes it; a
variable the environment already sets is left as it is.

The service package's `__init__` calls `limit_threads` before any module
imports numpy, whichever way the service is started. A thread doing work
that must not slow predictions (explanations) takes `lowest_priority`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Mapping, MutableMapping

from .owner import defaults

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


DEFAULT_MODEL_THREADS = 1


def model_threads(env: Mapping[str, str] = os.environ) -> int:
    """`MODEL_THREADS` (else its default in the owner's settings.py) when it
    is a whole number above zero, else the default.

    A bad value is refused by `Settings` when the service starts.
    """
    raw = env.get("MODEL_THREADS", "").strip()
    if not raw:
        raw = str(defaults().get("MODEL_THREADS", "")).strip()
    if raw.isascii() and raw.isdigit() and int(raw) > 0:
        return int(raw)
    return DEFAULT_MODEL_THREADS


def limit_threads(env: MutableMapping[str, str] = os.environ) -> None:
    threads = str(model_threads(env))
    for name in THREAD_VARIABLES:
        env.setdefault(name, threads)


# The niceness of a thread that yields to every other (Linux).
LOWEST_PRIORITY = 19


def lowest_priority() -> None:
    """Give the calling thread the lowest CPU priority, where the system
    sets one per thread (Linux); elsewhere leave it."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
