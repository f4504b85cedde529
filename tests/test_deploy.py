"""Every generated project's `deploy/` and CI workflow: valid against the
Kubernetes, Compose and GitHub workflow schemas, offline, and in step with
the service they deploy (its probes, its settings, its shutdown)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from conftest import BACKEND_PAIRS, Generate

# The oldest Kubernetes the manifests are written for: autoscaling/v2 and
# policy/v1 are the stable APIs from here on.
KUBERNETES = "1.30.0"
KUBECTL = shutil.which("kubectl")
# KServe's fields of a predictor beside the pod's own (its PodSpec inline).
KSERVE_COMPONENT_FIELDS = {"minReplicas", "maxReplicas", "scaleTarget", "scaleMetric"}


@pytest.fixture(scope="module")
def project(generate: Generate) -> Path:
    """deploy/ is the same for every backend: the default one's project."""
    return generate(*BACKEND_PAIRS[0])


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def package_of(project: Path) -> str:
    return next(p.parent.name for p in (project / "src").glob("*/settings.py"))


def runtime_settings(project: Path) -> Path:
    """The runtime's settings module, which reads every variable."""
    return project / "src" / package_of(project) / "mljet" / "settings.py"


def setting_names(project: Path) -> set[str]:
    """Every environment variable the service reads (its settings module's
    upper-case string constants, and the metrics directory)."""
    settings = runtime_settings(project)
    names = {
        node.value
        for node in ast.walk(ast.parse(settings.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Z][A-Z0-9_]{3,}", node.value)
    }
    return names | {"PROMETHEUS_MULTIPROC_DIR"}


def test_the_kubernetes_manifests_are_valid(project: Path) -> None:
    folder = project / "deploy/kubernetes"
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    kinds = set()
    for name in sorted(listed):
        for document in documents(folder / name):
            kubernetes_validate.validate(document, KUBERNETES, strict=True)
            kinds.add(document["kind"])
    assert kinds == {
        "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"
    }  # fmt: skip


@pytest.mark.skipif(KUBECTL is None, reason="needs kubectl (for kubectl kustomize)")
def test_kustomize_builds_the_base_into_valid_resources(project: Path) -> None:
    assert KUBECTL is not None
    built = subprocess.run(
        [KUBECTL, "kustomize", str(project / "deploy/kubernetes")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    resources = [d for d in yaml.safe_load_all(built) if d]
    assert len(resources) == 4
    for resource in resources:
        kubernetes_validate.validate(resource, KUBERNETES, strict=True)


def deployment_of(project: Path) -> dict[str, Any]:
    (found,) = documents(project / "deploy/kubernetes/deployment.yaml")
    return found


def test_the_deployment_probes_and_stops_the_service_as_it_is_made(
    project: Path,
) -> None:
    """Probes on the service's own routes and port, a grace period above its
    shutdown timeout, the constraints its image is verified under."""
    deployment = deployment_of(project)
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    for probe in ("readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] == "/ready"
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]
    settings = read_settings(project)
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
    assert pod["terminationGracePeriodSeconds"] > settings["shutdown"] + pause
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"


def read_settings(project: Path) -> dict[str, float]:
    """The generated service's default timeouts, from its own module."""
    code = (
        f"import json; from {package_of(project)}.mljet.settings import TIMEOUTS; "
        "print(json.dumps({k: v[1] for k, v in TIMEOUTS.items()}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    read: dict[str, float] = json.loads(shown.stdout)
    return read


def test_every_setting_is_offered_where_the_service_is_deployed(
    project: Path,
) -> None:
    names = setting_names(project)
    assert {"API_KEYS", "CORS_ORIGINS", "REQUEST_TIMEOUT", "PORT"} <= names
    places = {
        "docs/reference.md": (project / "docs/reference.md").read_text(),
        "deploy/docker-compose.yml": (
            project / "deploy/docker-compose.yml"
        ).read_text(),
        "deploy/kubernetes/deployment.yaml": (
            project / "deploy/kubernetes/deployment.yaml"
        ).read_text(),
    }
    for place, text in places.items():
        missing = sorted(name for name in names if not re.search(rf"\b{name}\b", text))
        assert not missing, f"{place} does not mention {missing}"
    # The owner's settings give each a default, but for the keys (secrets).
    owner = (project / "src" / package_of(project) / "settings.py").read_text()
    secrets = {"API_KEYS", "API_KEYS_FILE", "PROMETHEUS_MULTIPROC_DIR"}
    missing = sorted(n for n in names - secrets if f'"{n}":' not in owner)
    assert not missing, f"settings.py has no default for {missing}"


def test_the_kserve_predictor_is_a_valid_pod(project: Path) -> None:
    (service,) = documents(project / "deploy/kserve/inferenceservice.yaml")
    assert service["apiVersion"] == "serving.kserve.io/v1beta1"
    assert service["kind"] == "InferenceService"
    predictor = dict(service["spec"]["predictor"])
    assert set(predictor) - {"containers", "volumes"} <= KSERVE_COMPONENT_FIELDS
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": service["metadata"]["name"]},
        "spec": {
            k: v for k, v in predictor.items() if k not in KSERVE_COMPONENT_FIELDS
        },
    }
    kubernetes_validate.validate(pod, KUBERNETES, strict=True)
    (container,) = predictor["containers"]
    assert container["name"] == "kserve-container"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run(
        [str(command), "--builtin-schema", schema, str(path)],
        capture_output=True, text=True,
    )  # fmt: skip


def test_the_compose_file_and_the_workflow_are_valid(project: Path) -> None:
    compose = check_jsonschema(
        "vendor.compose-spec", project / "deploy/docker-compose.yml"
    )
    assert compose.returncode == 0, compose.stdout + compose.stderr
    workflow = project / ".github/workflows/ci.yml"
    checked = check_jsonschema("vendor.github-workflows", workflow)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    steps = [
        step.get("run", "")
        for job in yaml.safe_load(workflow.read_text())["jobs"].values()
        for step in job["steps"]
    ]
    # What the README's "Test it" says, and the image built and served.
    for command in ("pip install -r requirements-dev.txt", "mypy", "pytest",
                    "ruff check", "docker build", "--read-only"):  # fmt: skip
        assert any(command in run for run in steps), command


def test_dependabot_keeps_every_pin_of_the_service_current(project: Path) -> None:
    config = project / ".github/dependabot.yml"
    checked = check_jsonschema("vendor.dependabot", config)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    updates = yaml.safe_load(config.read_text())["updates"]
    watched = {(u["package-ecosystem"], u["directory"]) for u in updates}
    assert watched == {("pip", "/"), ("docker", "/"), ("github-actions", "/")}
    # What each one watches is where it looks.
    assert (project / "requirements.txt").is_file()
    assert (project / "Dockerfile").is_file()
    assert (project / ".github/workflows/ci.yml").is_file()


def test_a_schema_violation_is_caught(project: Path, tmp_path: Path) -> None:
    """The checks above can fail: a broken copy of each file is refused."""
    deployment = deployment_of(project)
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"] = "8000"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    workflow["jobs"]["test"]["runs-on"] = {"not": "a runner"}
    broken = tmp_path / "ci.yml"
    broken.write_text(yaml.safe_dump(workflow))
    assert check_jsonschema("vendor.github-workflows", broken).returncode != 0
