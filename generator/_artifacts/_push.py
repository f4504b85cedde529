"""Send a verified image to a registry (`--push REGISTRY/NAME[:TAG]`).

Only an image that `make_artifact` has verified gets here. The digest the
registry answers is what deploys it: it is printed, recorded in the
project's answers (`pushed_image`), and written into the Kustomize base, so
that `kubectl apply -k deploy/kubernetes` runs exactly the verified image.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .._base._errors import MljetError
from .._base._reporting import Steps
from ._running import Built

# docker's reference grammar, simplified: an optional registry host (with a
# port), a lower-case path, an optional tag; no digest (the push makes it).
REFERENCE = re.compile(
    r"(?:(?P<registry>[A-Za-z0-9.-]+(?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
)
PUSH_TIMEOUT = 600
# The answer that records the pushed image (copier.yml), read by deploy/.
PUSHED_IMAGE = "pushed_image"
# What a registry's refusal says, and what to tell the user about it.
REFUSALS = (
    (
        ("unauthorized", "authentication required", "no basic auth credentials"),
        "the registry wants credentials: run `docker login {registry}` and push again",
    ),
    (
        ("denied", "forbidden"),
        "the registry denied the push: these credentials may not write {repository}",
    ),
    (
        (
            "connection refused",
            "no such host",
            "i/o timeout",
            "dial tcp",
            "server gave http response",
            "network is unreachable",
        ),
        "cannot reach the registry {registry}",
    ),
)


def reference_problem(reference: str | None) -> str | None:
    """Why `reference` cannot name a pushed image, or None."""
    if reference is None or REFERENCE.fullmatch(reference):
        return None
    return (
        f"{reference!r} is not an image reference; write REGISTRY/NAME[:TAG], "
        "such as registry.example.com/team/churn:1.0 (lower-case name)"
    )


def push_image(built: Built, target: str, report: Steps) -> str:
    """Tag the verified image as `target`, push it; `repository@digest`."""
    found = REFERENCE.fullmatch(target)
    if found is None:
        raise MljetError(str(reference_problem(target)))
    repository = target if found["tag"] is None else target.rsplit(":", 1)[0]
    report.step(f"pushing {built.reference} as {target}")
    _docker("tag", built.reference, target)
    try:
        pushed = subprocess.run(
            ["docker", "push", target],
            capture_output=True,
            text=True,
            timeout=PUSH_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise MljetError(
            f"Pushing {target} failed: no answer within {PUSH_TIMEOUT} s"
        ) from None
    if pushed.returncode != 0:
        raise MljetError(
            f"Pushing {target} failed: "
            f"{_refusal(pushed.stderr, found['registry'] or 'docker.io', repository)}"
        )
    digest = re.search(r"digest: (sha256:[0-9a-f]{64})", pushed.stdout)
    if digest is None:
        raise MljetError(f"Pushing {target}: the registry answered no digest")
    return f"{repository}@{digest[1]}"


def publish(built: Built, target: str, project: Path, report: Steps) -> str:
    """Push the verified image and point the project's Kustomize base at it;
    `repository@digest`, for the caller to record as `PUSHED_IMAGE`."""
    pushed = push_image(built, target, report)
    image = built.reference.rsplit(":", 1)[0]
    if record_push(project, pushed, image):
        report.step("deploy/kubernetes now deploys the pushed image by its digest")
    else:
        report.step(
            "deploy/kubernetes/kustomization.yaml names another image (edited): "
            "point it at the pushed digest yourself"
        )
    return pushed


def record_push(project: Path, pushed: str, image: str) -> bool:
    """Point the Kustomize base at `pushed` (`repository@digest`) instead
    of the local `image`; False when its images entry was edited."""
    kustomization = project / "deploy/kubernetes/kustomization.yaml"
    if not kustomization.is_file():
        return False
    text = kustomization.read_text()
    local = f"  - name: {image}\n    newTag: latest\n"
    if local not in text:
        return False
    repository, digest = pushed.split("@", 1)
    remote = f"  - name: {image}\n    newName: {repository}\n    digest: {digest}\n"
    kustomization.write_text(text.replace(local, remote))
    return True


def _refusal(stderr: str, registry: str, repository: str) -> str:
    said = stderr.lower()
    for signs, meaning in REFUSALS:
        if any(sign in said for sign in signs):
            return meaning.format(registry=registry, repository=repository)
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "docker push exited without saying why"


def _docker(*arguments: str) -> None:
    done = subprocess.run(["docker", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise MljetError(f"docker {arguments[0]} failed: {done.stderr.strip()[-300:]}")
