"""Docker images of generated services: built, verified, run as a user would.

Needs a Docker engine and the base image (`scripts/docker-engine` provides
both); without them these tests skip, which `.ci/run` counts as failures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import joblib
import numpy as np
import pytest

import models
from cli import run_generator
from conftest import DEFAULT_BACKEND, paired_family
from generator import cook
from generator._artifacts import make_artifact
from generator._artifacts._docker import DockerImage
from generator._base._errors import HookError, MljetError
from generator._base._reporting import Reporter
from generator._rendering._backends import BACKENDS
from servers import Server, free_port


def _engine_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(
        ["docker", "image", "inspect", "python:3.11-slim"], capture_output=True
    )
    return done.returncode == 0


pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        not _engine_ready(),
        reason="no Docker engine with python:3.11-slim (run scripts/docker-engine)",
    ),
]


def docker(*arguments: str) -> str:
    done = subprocess.run(
        ["docker", *arguments], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


Images = Callable[[str], tuple[str, Path, str]]


def case_of(backend: str) -> str:
    """One model family per backend (`paired_family`): every family's
    requirements are proved complete in an image, for the price of the
    builds the backends need."""
    return models.representative(paired_family(backend))


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Images]:
    """`images(backend)`: the image built and verified by the generator, running.

    Each is built once per module and its container removed at the end.
    """
    made: dict[str, tuple[str, Path, str]] = {}

    def image(backend: str) -> tuple[str, Path, str]:
        if backend not in made:
            case = models.case_named(case_of(backend))
            output = tmp_path_factory.mktemp("docker") / backend
            cook(
                case.model, sample=case.sample, name=f"img_{backend}",
                backend=backend, output=output, artifact="docker", offline=True,
                run=True, quiet=True,
            )  # fmt: skip
            running = docker(
                "ps", "--filter", f"name=mljet-img-{backend}-", "--format", "{{.Names}}"
            )
            made[backend] = (running.splitlines()[0], output, backend)
        return made[backend]

    try:
        yield image
    finally:
        for name, _, _ in made.values():
            subprocess.run(["docker", "rm", "--force", name], capture_output=True)


@pytest.fixture(scope="module", params=BACKENDS)
def container(request: pytest.FixtureRequest, images: Images) -> tuple[str, Path, str]:
    """Each backend's image, left running by `--run`."""
    return images(request.param)


def _port(name: str) -> int:
    return int(docker("port", name, "8000").split()[0].rsplit(":", 1)[1])


def test_the_running_image_predicts_like_the_model(
    container: tuple[str, Path, str],
) -> None:
    name, _, backend = container
    case = models.case_named(case_of(backend))
    server = Server(f"http://127.0.0.1:{_port(name)}", None)  # type: ignore[arg-type]
    instances = models.records(case.inputs)
    answer = server.post("/predict", {"instances": instances})
    assert answer.status == 200, answer.body
    # CatBoost's classifiers give a column of labels; the service, a list.
    expected = np.ravel(case.model.predict(case.inputs)).tolist()
    assert answer.json()["predictions"] == expected
    number = next(c for c in case.inputs.columns if case.inputs[c].dtype.kind == "f")
    bad = server.post("/predict", {"instances": [{**instances[0], number: "lots"}]})
    assert bad.status == 422 and number in bad.body.decode()
    assert server.call("GET", "/health").status == 200


def test_the_image_serves_unprivileged_on_a_read_only_root(
    container: tuple[str, Path, str],
) -> None:
    """As deploy/ runs it: the verification ran under the same constraints,
    and the predictions above were answered under them."""
    name, _, _ = container
    assert docker("exec", name, "id", "-u") == "10001"
    assert docker("inspect", "--format", "{{.Config.User}}", name) == "10001:10001"
    host = json.loads(docker("inspect", "--format", "{{json .HostConfig}}", name))
    assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    refused = subprocess.run(
        ["docker", "exec", name, "touch", "/app/written"], capture_output=True
    )
    assert refused.returncode != 0 and b"Read-only file system" in refused.stderr
    # The one place it may write: /tmp (several workers' metrics files).
    docker("exec", name, "touch", "/tmp/written")


def test_a_read_only_root_without_a_tmpfs_is_a_clear_refusal(
    images: Images,
) -> None:
    name, _, _ = images("fastapi")
    image = docker("inspect", "--format", "{{.Config.Image}}", name)
    run = subprocess.run(
        ["docker", "run", "--rm", "--read-only", "-e", "WORKERS=2", image],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "cannot start: WORKERS=2 share their metrics through files" in run.stderr
    assert "docker run --tmpfs /tmp" in run.stderr and "Traceback" not in run.stderr


def test_the_image_is_labelled_with_its_model(
    container: tuple[str, Path, str],
) -> None:
    name, project, backend = container
    labels = json.loads(docker("inspect", "--format", "{{json .Config.Labels}}", name))
    spec_file = project / f"src/img_{backend}/model_files/spec.json"
    spec = json.loads(spec_file.read_text())
    assert labels["dev.mljet.model.sha256"] == spec["model_sha256"]
    assert labels["org.opencontainers.image.title"] == f"img_{backend}"
    assert labels["dev.mljet.template.version"] == spec["template_version"]


# Python processes in a container, but this counter and health checks.
COUNT_SERVERS = """
import os
count = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
    except OSError:
        continue
    own = int(pid) == os.getpid() or b".healthcheck" in argv
    count += b"python" in argv[0] and not own
print(count)
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_the_image_honours_port_and_workers_and_stops_under_load(
    container: tuple[str, Path, str], workers: int
) -> None:
    """`docker stop` with clients on the container's loopback: every request
    sent is answered, the closed port refuses the rest, and the exit is 0."""
    name, _, backend = container
    # Without --rm, to read the exit code: the same image, started again.
    probe = f"{name}-stop-{workers}"
    docker("run", "--detach", "--name", probe, "--env", "PORT=9000",
           "--env", f"WORKERS={workers}", f"img-{backend}:latest")  # fmt: skip
    try:
        _wait_until_healthy(probe, backend)
        ready = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9000/ready')"
        docker("exec", probe, "python", "-c", ready)
        # The workers beside the server's main process (none with WORKERS=1).
        servers = int(docker("exec", probe, "python", "-c", COUNT_SERVERS))
        assert servers >= (3 if workers == 2 else 1)
        case = models.case_named(case_of(backend))
        body = json.dumps({"instances": models.records(case.inputs[:1])})
        pid = docker("inspect", "--format", "{{.State.Pid}}", probe)
        stopped = subprocess.run(
            ["nsenter", "--target", pid, "--net", "--", sys.executable,
             "stop_under_load.py", probe, "9000", body],
            cwd=Path(__file__).parent, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert stopped.returncode == 0, stopped.stderr
        report = json.loads(stopped.stdout)
        assert report["lost"] == [], report
        ended = len(report["lost"]) + len(report["lost_after_idle"])
        assert report["refused"] + ended == 32, report
        assert report["answers"]["200"] > 0, report
        assert set(report["answers"]) <= {"200", "200 (close)",
                                          "503 shutting_down (close)"}  # fmt: skip
        # 0 when the server handled SIGTERM; 137 would mean it was killed.
        assert report["exit_status"] == 0, report
    finally:
        subprocess.run(["docker", "rm", "--force", probe], capture_output=True)


def _wait_until_healthy(name: str, backend: str) -> None:
    """Run the image's own health check until it passes."""
    for _ in range(240):
        done = subprocess.run(
            [
                "docker",
                "exec",
                name,
                "python",
                "-m",
                f"img_{backend}.mljet.healthcheck",
            ],
            capture_output=True,
        )
        if done.returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} never answered /health")


def verification_failure(project: Path, backend: str, path: Path, data: bytes) -> str:
    """Verify the project's image with `path` holding `data`; the error's text.

    The file is restored afterwards, whatever happens.
    """
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        with pytest.raises(MljetError) as failed:
            make_artifact(DockerImage(offline=True), project, f"img_{backend}",
                          Reporter(quiet=True), keep_running=False)  # fmt: skip
    finally:
        path.write_bytes(original)
    return str(failed.value)


def test_a_prediction_that_differs_fails_verification(images: Images) -> None:
    _, project, backend = images("fastapi")
    golden_path = project / "tests" / "golden.json"
    golden = json.loads(golden_path.read_text())
    golden["predictions"]["predict"][1] += 1.0
    message = verification_failure(
        project, backend, golden_path, json.dumps(golden).encode()
    )
    assert "failed verification: /predict differs" in message
    assert "row 1:" in message
    # The container that failed is gone; only the fixture's is left.
    left = docker("ps", "--all", "--quiet", "--filter", f"name=mljet-img-{backend}-")
    assert len(left.splitlines()) == 1


def test_no_engine_is_a_clear_error_before_anything_is_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    case = models.case_named("multiclass_array")
    with pytest.raises(MljetError) as refused:
        cook(case.model, output=tmp_path / "svc", artifact="docker", quiet=True)
    assert not isinstance(refused.value, HookError)
    assert "No Docker engine is reachable" in str(refused.value)
    assert not (tmp_path / "svc").exists()


def test_an_image_whose_service_cannot_start_fails_with_its_log(
    images: Images,
) -> None:
    _, project, backend = images("fastapi")
    model_file = next((project / f"src/img_{backend}/model_files").glob("model.*"))
    # Not the model the service was made for.
    altered = model_file.read_bytes() + b"\0"
    message = verification_failure(project, backend, model_file, altered)
    assert "the service stopped before it was ready" in message
    assert "is not the one this service was generated for" in message


def test_the_command_line_runs_the_image_and_says_how_to_stop_it(
    tmp_path: Path,
) -> None:
    case = models.case_named("mixed_pipeline")
    model, sample = tmp_path / "model.joblib", tmp_path / "sample.csv"
    joblib.dump(case.model, model)
    assert case.sample is not None
    case.sample.to_csv(sample, index=False)
    made = run_generator(
        model, "--sample", sample, "--name", "cli_run", "--artifact", "docker",
        "--offline", "--run", cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    found = re.search(
        r"serving at (http://\S+) .*stop it with: (.+)$", made.stdout, re.M
    )
    assert found, made.stdout
    url, how_to_stop = found.groups()
    # The last line says how to run the artifact, not the project.
    assert made.stderr.splitlines()[-1].endswith(
        "(run it: docker run --rm -p 8000:8000 cli-run:latest)"
    )
    name = how_to_stop.split()[2]
    try:
        assert docker("inspect", "--format", "{{.State.Running}}", name) == "true"
        server = Server(url, None)  # type: ignore[arg-type]
        instances = models.records(case.inputs.head(3))
        answer = server.post("/predict", {"instances": instances})
        assert answer.json()["predictions"] == (
            case.model.predict(case.inputs.head(3)).tolist()
        )
        subprocess.run(how_to_stop, shell=True, check=True, capture_output=True)
        gone = docker("ps", "--all", "--quiet", "--filter", f"name=^{name}$")
        assert gone == ""
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True)


def test_every_image_turns_healthy(images: Images) -> None:
    """Docker's own health check, whose first run is 10 s after the start:
    checked last, when every container has had its time."""
    for backend in BACKENDS:
        name, _, _ = images(backend)
        status = ""
        for _ in range(90):
            status = docker("inspect", "--format", "{{.State.Health.Status}}", name)
            if status != "starting":
                break
            time.sleep(1)
        assert status == "healthy", backend


def test_an_onnx_image_is_verified_within_its_tolerance_without_the_models_library(
    images: Images, tmp_path: Path
) -> None:
    """The image of a converted model (the default backend's case, so that its
    native image stands beside it) answers within its tolerance, carries
    neither the model's library nor pandas, and is the smaller one."""
    native, _, backend = images(DEFAULT_BACKEND)
    case = models.case_named(case_of(backend))
    cook(
        case.model, sample=case.sample, name="img_onnx", backend=backend,
        output=tmp_path / "onnx", artifact="docker", runtime="onnx", offline=True,
        quiet=True,
    )  # fmt: skip
    for library in ("sklearn", "pandas", "scipy"):
        done = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "python", "img-onnx",
             "-c", f"import {library}"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr
    image_of = docker("inspect", "--format", "{{.Image}}", native)
    sizes = [
        int(docker("image", "inspect", "--format", "{{.Size}}", reference))
        for reference in ("img-onnx", image_of)
    ]
    assert sizes[0] < sizes[1]


COMPOSE = shutil.which("docker-compose")


@pytest.mark.skipif(COMPOSE is None, reason="needs docker-compose (Debian's)")
def test_the_compose_file_brings_the_verified_image_up_healthy(images: Images) -> None:
    """deploy/docker-compose.yml, as its comment says to run it, on the image
    the generator built and verified (the same name, so no build here)."""
    name, project, backend = images(DEFAULT_BACKEND)
    assert COMPOSE is not None
    port = free_port()
    compose = [COMPOSE, "--project-name", f"mljet-{name}",
               "--file", str(project / "deploy/docker-compose.yml")]  # fmt: skip
    env = {**os.environ, "HOST_PORT": str(port)}
    subprocess.run([*compose, "config", "--quiet"], env=env, check=True)
    # Other tests here rebuild the tag with broken files: name the verified
    # image (the running container's) as the Compose file does.
    image = docker("inspect", "--format", "{{.Image}}", name)
    docker("tag", image, f"img-{backend}:latest")
    try:
        subprocess.run([*compose, "up", "--detach", "--no-build"], env=env,
                       check=True, capture_output=True, timeout=120)  # fmt: skip
        container = subprocess.run(
            [*compose, "ps", "--quiet"], env=env, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        status = ""
        for _ in range(90):
            status = docker(
                "inspect", "--format", "{{.State.Health.Status}}", container
            )
            if status != "starting":
                break
            time.sleep(1)
        assert status == "healthy"
        host = json.loads(
            docker("inspect", "--format", "{{json .HostConfig}}", container)
        )
        assert host["ReadonlyRootfs"] is True and host["RestartPolicy"]["Name"] == (
            "unless-stopped"
        )
        assert host["Memory"] == 1024**3 and host["NanoCpus"] == 10**9
        case = models.case_named(case_of(backend))
        server = Server(f"http://127.0.0.1:{port}", None)  # type: ignore[arg-type]
        answer = server.post("/predict", {"instances": models.records(case.inputs)})
        assert answer.json()["predictions"] == (
            np.ravel(case.model.predict(case.inputs)).tolist()
        )
    finally:
        subprocess.run([*compose, "down", "--timeout", "30"], env=env,
                       capture_output=True, timeout=120)  # fmt: skip
