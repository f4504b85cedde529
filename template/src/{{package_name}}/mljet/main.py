# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""`python -m PACKAGE`: check the settings, the seam and the model, then serve."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from .settings import Settings, SettingsError
from .shutdown import hold_stops, stop_held
from .spec import ServiceSpec


def main() -> int:
    # The libraries about to load live as long as the process: collecting
    # while they import only walks them again and again (a fifth of the
    # start-up). `PredictionService.load` freezes them before collections
    # resume.
    gc.disable()
    hold_stops()
    from .model_file import ModelLoadError, verify_model_file
    from .seam import Seam, SeamError

    spec = ServiceSpec.load()
    try:
        settings = Settings.from_env(spec)
        Seam.of_owner().check(spec)
        verify_model_file(spec)
        # Before anything imports the metrics' client, which reads it then.
        _metrics_directory(spec.service, settings.workers)
    except (SettingsError, SeamError, ModelLoadError) as error:
        print(f"{spec.service}: cannot start: {error}", file=sys.stderr)
        return 2
    # Importing the glue configures the log (`PredictionService.from_env`).
    from .glue import serve

    held = stop_held()
    if held is not None:
        logging.getLogger(__name__).info(
            "stopped before serving: %s came while the service started",
            signal.Signals(held).name,
        )
        return 0
    # A server whose workers are other processes (gunicorn's master) loads
    # no model here: it collects as usual.
    gc.enable()
    serve(settings)
    return 0


def _metrics_directory(service: str, workers: int) -> None:
    """Where every worker process writes its metrics, for `/metrics` to add
    up (prometheus_client's multiprocess mode): the directory given in
    PROMETHEUS_MULTIPROC_DIR, emptied of an earlier run's files, else, with
    several workers, a fresh one, removed at exit. One worker keeps its
    metrics in memory, three times cheaper to update than the files. Set
    before the client is first imported."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        try:
            Path(given).mkdir(parents=True, exist_ok=True)
            for stale in Path(given).glob("*.db"):
                stale.unlink()
        except OSError as error:
            raise SettingsError(
                f"PROMETHEUS_MULTIPROC_DIR {given!r} is not a writable "
                f"directory ({error.strerror or error})"
            ) from None
        return
    if workers == 1:
        return
    try:
        made = tempfile.mkdtemp(prefix=f"{service}-metrics-")
    except OSError:
        # A read-only file system (`docker run --read-only`) without tmpfs.
        raise SettingsError(
            f"WORKERS={workers} share their metrics through files, and no "
            "temporary directory is writable: mount one (docker run --tmpfs "
            "/tmp), or set PROMETHEUS_MULTIPROC_DIR to a writable directory"
        ) from None
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    atexit.register(_remove_in, os.getpid(), made)


def _remove_in(owner: int, directory: str) -> None:
    """Remove `directory` at the exit of the process that made it only: a
    forked worker inherits the exit hook, and one that exits (a restart, or
    the first of several to stop) would remove the files the others still
    write to."""
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)
