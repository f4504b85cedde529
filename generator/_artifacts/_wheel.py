"""A wheel of the project, installed into a fresh virtualenv and served."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from .._base._errors import MljetError
from .._base._reporting import Steps
from ._running import Built, Running

INSTALL_TIMEOUT = 900


class Wheel:
    """`pip wheel` the project; install it with its pins into a new venv."""

    name = "wheel"

    def check_available(self) -> None:
        # pip and venv come with Python: nothing to find before generating.
        return None

    def build(self, project: Path, package: str, report: Steps) -> Built:
        report.step("building the wheel")
        dist = project / "dist"
        _run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
             "--wheel-dir", str(dist), str(project)],
            "building the wheel",
        )  # fmt: skip
        prefix = package + "-"
        wheels = sorted(dist.glob(f"{prefix}*.whl"))
        if not wheels:
            raise MljetError(f"pip wheel left no {prefix}*.whl in {dist}")
        wheel = wheels[-1]
        size = wheel.stat().st_size
        report.step(f"built {wheel.relative_to(project)}: {size / 1e3:.0f} kB")
        # Its requirements are pinned in the project, not in the wheel.
        run = (
            f"pip install -r {project / 'requirements.txt'} {wheel} "
            f"&& {package.replace('_', '-')}"
        )
        return Built(self.name, str(wheel), run)

    def start(self, built: Built) -> Running:
        wheel = Path(built.reference)
        project = wheel.parent.parent
        environment = Path(tempfile.mkdtemp(prefix="mljet-wheel-"))
        _run([sys.executable, "-m", "venv", str(environment)], "creating a venv")
        python = environment / "bin" / "python"
        # Without byte-compiling: this venv mostly lives for one verification,
        # and compiling every library's modules doubles the install's time.
        _run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-compile",
             "--requirement", str(project / "requirements.txt")],
            "installing the pinned requirements",
        )  # fmt: skip
        _run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-compile",
             "--no-deps", str(wheel)],
            "installing the wheel",
        )  # fmt: skip
        script = environment / "bin" / wheel.name.split("-")[0].replace("_", "-")
        port = _free_port()
        log = environment / "service.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(script)],
                env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1"},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def stop() -> None:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            shutil.rmtree(environment, ignore_errors=True)

        return Running(
            url=f"http://127.0.0.1:{port}",
            how_to_stop=f"kill {process.pid}  (the virtualenv is {environment})",
            is_running=lambda: process.poll() is None,
            stop=stop,
            logs=lambda: _tail(log),
        )


def _run(command: list[str], doing: str) -> None:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
    )
    if done.returncode != 0:
        raise MljetError(f"{doing} failed: {(done.stderr or done.stdout)[-1500:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    except OSError:
        return ""
