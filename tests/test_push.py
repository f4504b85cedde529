"""`--push REGISTRY/NAME[:TAG]` against a real registry on loopback (Debian's
`docker-registry`): only a verified image is pushed, its digest is recorded,
and the image pulled back by that digest is verified again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bcrypt
import joblib
import pytest
import yaml
from test_docker import _engine_ready

import models
from cli import run_generator
from generator._artifacts._docker import DockerImage
from generator._artifacts._parity import check_parity, golden_of, wait_until_ready
from generator._artifacts._push import push_image
from generator._artifacts._running import Built
from generator._base._errors import MljetError
from generator._base._reporting import Reporter
from servers import free_port

REGISTRY = shutil.which("docker-registry")
KUBECTL = shutil.which("kubectl")
pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(not _engine_ready(), reason="no Docker engine with the base"),
    pytest.mark.skipif(REGISTRY is None, reason="needs Debian's docker-registry"),
]
QUIET = Reporter(quiet=True)


@contextmanager
def registry(folder: Path, password: str | None = None) -> Iterator[str]:
    """A registry on a free loopback port (with a password, if given); its
    host:port. The engine pushes to loopback registries over plain HTTP."""
    port = free_port()
    config = {
        "version": 0.1,
        "storage": {"filesystem": {"rootdirectory": str(folder / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
        "log": {"level": "warn"},
    }
    if password is not None:
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5))
        (folder / "htpasswd").write_bytes(b"pusher:" + hashed + b"\n")
        config["auth"] = {
            "htpasswd": {"realm": "mljet-test", "path": str(folder / "htpasswd")}
        }
    (folder / "config.yml").write_text(yaml.safe_dump(config))
    assert REGISTRY is not None
    log = (folder / "registry.log").open("wb")
    process = subprocess.Popen(
        [REGISTRY, "serve", str(folder / "config.yml")], stdout=log, stderr=log
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # answering, with 401 when it wants a password
            except OSError:
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with registry(tmp_path_factory.mktemp("registry")) as address:
        yield address


def tags_of(address: str, name: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/{name}/tags/list") as answer:
            tags: list[str] = json.load(answer)["tags"] or []
            return tags
    except urllib.error.HTTPError as error:
        assert error.code == 404  # a repository never pushed to
        return []


@pytest.fixture(scope="module")
def pushed(
    open_registry: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str]:
    """A project made with `--artifact docker --push`: (project, the
    printed output, the target pushed to)."""
    case = models.case_named("mixed_pipeline")
    folder = tmp_path_factory.mktemp("pushed")
    model, sample = folder / "model.joblib", folder / "sample.csv"
    joblib.dump(case.model, model)
    assert case.sample is not None
    case.sample.to_csv(sample, index=False)
    target = f"{open_registry}/team/churn:1.0"
    made = run_generator(
        model, "--sample", sample, "--name", "pushed_svc", "--artifact", "docker",
        "--offline", "--push", target, cwd=folder,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    return folder / "pushed_svc", made.stdout, target


def test_the_verified_image_is_pushed_and_its_digest_recorded(
    pushed: tuple[Path, str, str], open_registry: str
) -> None:
    project, output, _ = pushed
    line = next(x for x in output.splitlines() if x.startswith("pushed "))
    reference = line.removeprefix("pushed ")
    repository, digest = reference.split("@")
    assert repository == f"{open_registry}/team/churn"
    assert digest.startswith("sha256:") and len(digest) == 71
    assert tags_of(open_registry, "team/churn") == ["1.0"]
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["pushed_image"] == reference
    kustomization = yaml.safe_load(
        (project / "deploy/kubernetes/kustomization.yaml").read_text()
    )
    assert kustomization["images"] == [
        {"name": "pushed-svc", "newName": repository, "digest": digest}
    ]
    if KUBECTL is not None:
        built = subprocess.run(
            [KUBECTL, "kustomize", str(project / "deploy/kubernetes")],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert f"image: {reference}" in built


def test_an_image_that_fails_verification_is_never_pushed(
    pushed: tuple[Path, str, str], open_registry: str
) -> None:
    project, _, _ = pushed
    golden_path = project / "tests/golden.json"
    golden = json.loads(golden_path.read_text())
    golden["predictions"]["predict"][0] = "a label the model never gives"
    original = golden_path.read_text()
    golden_path.write_text(json.dumps(golden))
    target = f"{open_registry}/team/churn:unverified"
    hook = Path(__file__).parents[1] / "hooks/build_artifact.py"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    try:
        done = subprocess.run(
            [sys.executable, str(hook), str(project), "--artifact", "docker",
             "--offline", "--push", target],
            capture_output=True, text=True, timeout=600,
            env={**os.environ, "PATH": path},
        )  # fmt: skip
    finally:
        golden_path.write_text(original)
    assert done.returncode == 1
    assert "failed verification" in done.stderr
    assert "unverified" not in tags_of(open_registry, "team/churn")


def test_the_image_pulled_back_by_digest_answers_like_the_model(
    pushed: tuple[Path, str, str],
) -> None:
    project, output, target = pushed
    reference = next(
        x for x in output.splitlines() if x.startswith("pushed ")
    ).removeprefix("pushed ")
    # Nothing of it left here: what runs next comes from the registry.
    subprocess.run(["docker", "rmi", "--force", target, "pushed-svc:latest"],
                   capture_output=True, check=True)  # fmt: skip
    subprocess.run(["docker", "pull", reference], capture_output=True, check=True)
    running = DockerImage().start(built(reference))
    try:
        wait_until_ready(running.url, 120, running.is_running)
        assert check_parity(running.url, golden_of(project)) > 0
    finally:
        running.stop()
        subprocess.run(["docker", "rmi", reference], capture_output=True)


def test_registry_errors_are_one_clear_line(tmp_path: Path) -> None:
    image = "mljet-push-probe:latest"
    subprocess.run(["docker", "tag", "python:3.11-slim", image], check=True)
    try:
        nowhere = f"127.0.0.1:{free_port()}/team/churn:1.0"
        with pytest.raises(MljetError) as unreachable:
            push_image(built(image), nowhere, QUIET)
        message = str(unreachable.value)
        assert "\n" not in message
        assert message == (
            f"Pushing {nowhere} failed: cannot reach the registry "
            f"{nowhere.split('/')[0]}"
        )
        with registry(tmp_path, password="s3cret-pass") as locked:
            target = f"{locked}/team/churn:1.0"
            with pytest.raises(MljetError) as refused:
                push_image(built(image), target, QUIET)
            assert str(refused.value) == (
                f"Pushing {target} failed: the registry wants credentials: run "
                f"`docker login {locked}` and push again"
            )
        with pytest.raises(MljetError, match="is not an image reference"):
            push_image(built(image), "Team/Churn", QUIET)
    finally:
        subprocess.run(["docker", "rmi", image], capture_output=True)


def built(image: str) -> Built:
    """An image as a build hands it back."""
    return Built("docker", image, f"docker run --rm {image}")
