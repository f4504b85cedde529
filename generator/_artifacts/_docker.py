"""A Docker image of the project, built through the Docker engine's CLI."""

from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from .._base._errors import MljetError
from .._base._reporting import Steps
from ._running import Built, Running

CONTAINER_PORT = 8000
# How the image is verified: as deploy/ runs it (the Kubernetes Deployment's
# securityContext, the Compose file), so that a verified image is known to
# serve unprivileged on a read-only root file system with only /tmp to write.
RESTRICTED = (
    "--read-only", "--tmpfs", "/tmp", "--user", "10001:10001",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
)  # fmt: skip
ENGINE_TIMEOUT = 30
# A build step that prints nothing (pip installing) is still said to run,
# this often.
HEARTBEAT = 15.0


class DockerImage:
    """`docker build` the project's Dockerfile; run it on a free local port."""

    name = "docker"

    def __init__(self, offline: bool = False) -> None:
        self.offline = offline

    def check_available(self) -> None:
        if shutil.which("docker") is None:
            raise MljetError(
                "--artifact docker needs the docker command, which is not on PATH. "
                "Install Docker (https://docs.docker.com/engine/install/) and run "
                "again."
            )
        info = _docker("info", "--format", "{{.ServerVersion}}", check=False)
        if info.returncode != 0:
            reason = (info.stderr.strip().splitlines() or ["no answer"])[-1]
            raise MljetError(
                f"No Docker engine is reachable ({reason}). Start Docker (or set "
                "DOCKER_HOST to a running engine) and run again."
            )

    def build(self, project: Path, package: str, report: Steps) -> Built:
        tag = f"{package.replace('_', '-')}:latest"
        arguments = ["build", "--tag", tag]
        if self.offline:
            _fill_wheelhouse(project, report)
            arguments += ["--build-arg", "OFFLINE=1"]
        report.step(f"building the Docker image {tag}")
        started = time.perf_counter()
        _stream(["docker", *arguments, str(project)], report)
        seconds = time.perf_counter() - started
        size = int(_docker("image", "inspect", "--format", "{{.Size}}", tag).stdout)
        report.step(f"built {tag}: {size / 1e6:.0f} MB in {seconds:.0f} s")
        run = f"docker run --rm -p {CONTAINER_PORT}:{CONTAINER_PORT} {tag}"
        return Built(self.name, tag, run)

    def start(self, built: Built) -> Running:
        name = f"mljet-{built.reference.split(':')[0]}-{uuid.uuid4().hex[:8]}"
        _docker(
            "run", "--detach", "--name", name,
            "--publish", f"127.0.0.1::{CONTAINER_PORT}", *RESTRICTED, built.reference,
        )  # fmt: skip
        published = _docker("port", name, str(CONTAINER_PORT)).stdout.split()[0]
        port = published.rsplit(":", 1)[1]
        return Running(
            url=f"http://127.0.0.1:{port}",
            how_to_stop=f"docker stop {name} && docker rm {name}",
            is_running=lambda: _running(name),
            stop=lambda: _remove(name),
            logs=lambda: _logs(name),
        )


def _fill_wheelhouse(project: Path, report: Steps) -> None:
    """Download every pinned wheel on this machine, for an offline build."""
    report.step("downloading the pinned wheels into wheelhouse/")
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:",
        "--dest", str(project / "wheelhouse"),
        "--requirement", str(project / "requirements.txt"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise MljetError(
            "Filling wheelhouse/ for an offline build failed: "
            f"{done.stderr.strip()[-800:]}"
        )


def _stream(command: Sequence[str], report: Steps) -> None:
    """Run a build, showing its progress (each step, and a line every
    HEARTBEAT seconds while one runs silent, as pip's install does); keep
    its end for the error."""
    lines: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        said: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_into, args=(process.stdout, said))
        reader.start()
        step, step_started = "the build", time.perf_counter()
        while True:
            try:
                line = said.get(timeout=HEARTBEAT)
            except queue.Empty:
                running = time.perf_counter() - step_started
                report.step(f"docker: {step} still running ({running:.0f} s)")
                continue
            if line is None:
                break
            lines.append(line)
            if line.startswith("Step ") or line.startswith("#"):
                report.step(f"docker: {line}")
                step, step_started = line.split(" : ")[0], time.perf_counter()
        reader.join()
    if process.returncode != 0:
        tail = "\n".join(lines[-25:])
        raise MljetError(f"docker build failed (exit {process.returncode}):\n{tail}")


def _read_into(stream: IO[str], said: queue.Queue[str | None]) -> None:
    for line in stream:
        said.put(line.rstrip())
    said.put(None)


def _docker(*arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            ["docker", *arguments],
            capture_output=True,
            text=True,
            timeout=ENGINE_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise MljetError(
            f"docker {arguments[0]} did not answer in {ENGINE_TIMEOUT} s"
        ) from None
    if check and done.returncode != 0:
        raise MljetError(
            f"docker {' '.join(arguments[:2])} failed: {done.stderr.strip()[-500:]}"
        )
    return done


def _logs(name: str) -> str:
    # The service logs to stderr, uvicorn's access log to stdout.
    done = _docker("logs", "--tail", "30", name, check=False)
    return done.stdout + done.stderr


def _running(name: str) -> bool:
    state = _docker("inspect", "--format", "{{.State.Running}}", name, check=False)
    return state.stdout.strip() == "true"


def _remove(name: str) -> None:
    _docker("stop", name, check=False)
    _docker("rm", "--force", name, check=False)
