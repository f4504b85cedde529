"""The template's releases travel with MLJET (`generator/_rendering/_history.py`): one
version everywhere, every release in the wheel, and answers that name no
path of the machine that generated them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

import generator
from cli import run_generator
from conftest import REPO, git
from generator._base._errors import MljetError
from generator._rendering._history import (
    BUNDLED,
    PUBLIC_REPOSITORY,
    RELEASES,
    history_repository,
    record_release,
    released_tags,
    url_rewrites,
)
from generator._rendering._template import template_source

installed = pytest.mark.skipif(
    not BUNDLED.is_dir(),
    reason="generator runs from a source checkout; `pip install .` ships the bundle",
)
# The first release's commit, as every MLJET since has built it: a release
# commit never changes, or caches and bundles would disagree.
FIRST_RELEASE = "b1c2f0d4dcf1b2842ebc6230603a81a19dba6092"
DATES = {"1.0.0": "2026-01-02T03:04:05+00:00", "1.1.0": "2026-02-03T04:05:06+00:00"}


def tagged(repository: Path) -> dict[str, str]:
    lines = git(repository, "show-ref", "--tags", "--dereference").splitlines()
    refs = dict(reversed(line.split()) for line in lines)
    # An annotated tag's commit is its ^{} entry.
    return {
        ref.removeprefix("refs/tags/").removesuffix("^{}"): sha
        for ref, sha in refs.items()
        if ref.endswith("^{}") or f"{ref}^{{}}" not in refs
    }


def write_release(files: Path, line: str) -> None:
    (files / "template").mkdir(parents=True, exist_ok=True)
    (files / "hooks").mkdir(exist_ok=True)
    (files / "copier.yml").write_text(f"_subdirectory: template\n# {line}\n")
    (files / "template/README.md").write_text(f"{line}\n")
    (files / "hooks/run.py").write_text(f"# {line}\n")
    (files / "notes.txt").write_text("not the template\n")


def release_twice(files: Path, bundle: Path) -> None:
    """Releases 1.0.0 and 1.1.0 of `files`, recorded in `bundle`."""
    for version, line in (("1.0.0", "one"), ("1.1.0", "two")):
        write_release(files, line)
        assert record_release(files, version, bundle, DATES[version]) == f"v{version}"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A project with two template releases in its bundle (`releases`)."""
    files = tmp_path / "checkout"
    release_twice(files, files / "releases.bundle")
    return files


def test_the_version_is_written_once() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    shown = subprocess.run(
        [sys.executable, "-m", "generator", "--version"],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    assert shown.stdout.strip() == f"mljet {generator.__version__}"
    changelog = (REPO / "docs/changelog.md").read_text()
    assert f"## {generator.__version__} " in changelog
    assert released_tags()[0] == "v0.1.0"
    for tag in released_tags():
        assert f"## {tag[1:]} " in changelog, tag


def test_releases_become_template_commits_alike_on_every_machine(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = checkout / "releases.bundle"
    assert released_tags(bundle) == ["v1.0.0", "v1.1.0"]
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "one"))
    repository, tag = history_repository(checkout, "1.1.0", releases=bundle)
    assert tag == "v1.1.0"
    released = tagged(repository)
    assert set(released) == {"v1.0.0", "v1.1.0"}
    # Only what Copier reads: the template's files.
    listed = git(repository, "ls-tree", "-r", "--name-only", "v1.0.0").split()
    assert listed == ["copier.yml", "hooks/run.py", "template/README.md"]
    assert git(repository, "show", "v1.0.0:template/README.md") == "one\n"
    assert (repository / "template/README.md").read_text() == "two\n"

    # Another machine releasing the same files on the same days: the same
    # commits.
    other = tmp_path / "other"
    release_twice(other, other / "releases.bundle")
    assert git(other, "bundle", "list-heads", "releases.bundle") == git(
        checkout, "bundle", "list-heads", "releases.bundle"
    )


def test_a_release_never_changes(checkout: Path) -> None:
    bundle = checkout / "releases.bundle"
    before = bundle.read_bytes()
    assert record_release(checkout, "1.1.0", bundle) == "v1.1.0"
    assert bundle.read_bytes() == before
    (checkout / "template/README.md").write_text("changed after the release\n")
    with pytest.raises(MljetError, match=r"v1\.1\.0 is already released"):
        record_release(checkout, "1.1.0", bundle)
    assert bundle.read_bytes() == before
    assert record_release(checkout, "1.2.0", bundle) == "v1.2.0"
    assert released_tags(bundle) == ["v1.0.0", "v1.1.0", "v1.2.0"]


def test_a_development_build_gets_a_tag_of_its_own_files(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "cache"))
    (checkout / "template/README.md").write_text("three, not committed\n")
    (checkout / "template/__pycache__").mkdir()
    (checkout / "template/__pycache__/x.pyc").write_bytes(b"\0")
    bundle = checkout / "releases.bundle"
    repository, tag = history_repository(checkout, "1.1.0", releases=bundle)
    assert tag.startswith("v1.1.0+") and len(tag) == len("v1.1.0+") + 12
    assert (
        git(repository, "show", f"{tag}:template/README.md") == "three, not committed\n"
    )
    assert "__pycache__" not in git(repository, "ls-tree", "-r", "--name-only", tag)
    # The same files again: the same tag, nothing new.
    assert history_repository(checkout, "1.1.0", releases=bundle) == (repository, tag)
    assert len(tagged(repository)) == 3
    # Going back to the release's files puts them on disk again.
    write_release(checkout, "two")
    assert history_repository(checkout, "1.1.0", releases=bundle)[1] == "v1.1.0"
    assert (repository / "template/README.md").read_text() == "two\n"


def test_git_reads_the_public_url_as_the_local_repository_meanwhile(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "cache"))
    bundle = checkout / "releases.bundle"
    repository, _ = history_repository(checkout, "1.1.0", releases=bundle)
    listed = subprocess.run(
        ["git", "ls-remote", "--tags", PUBLIC_REPOSITORY],
        capture_output=True, text=True, check=True,
        env={**os.environ, **url_rewrites({PUBLIC_REPOSITORY: repository})},
    ).stdout  # fmt: skip
    assert "refs/tags/v1.1.0" in listed
    assert url_rewrites({}) == {}


@installed
def test_the_wheel_carries_every_release() -> None:
    assert (BUNDLED / "copier.yml").is_file()
    assert (BUNDLED / "template/src/{{package_name}}/mljet/service.py").is_file()
    assert RELEASES.read_bytes() == (REPO / "generator/releases.bundle").read_bytes()
    heads = git(RELEASES.parent, "bundle", "list-heads", str(RELEASES))
    assert f"{FIRST_RELEASE} refs/tags/v0.1.0" in heads.splitlines()


@installed
def test_answers_name_the_public_template_and_no_local_path(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    env = {**os.environ, "MLJET_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MLJET_TEMPLATE", None)
    model, sample = binary_files
    result = run_generator(
        model, "--sample", sample, "--name", "svc", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "svc/.copier-answers.yml").read_text()
    answers = yaml.safe_load(text)
    assert answers["_src_path"] == PUBLIC_REPOSITORY
    assert answers["_commit"].startswith(f"v{generator.__version__}")
    assert (answers["model_file"], answers["sample_file"]) == (model.name, sample.name)
    for local in (str(tmp_path), str(model.parent), str(Path.home()), "/tmp/"):
        assert local not in text, local


@installed
def test_an_empty_cache_gets_every_release_from_the_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine that never generated anything, with MLJET installed."""
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "never-used"))
    monkeypatch.delenv("MLJET_TEMPLATE", raising=False)
    source = template_source()
    assert source.recorded == PUBLIC_REPOSITORY
    assert source.vcs_ref is not None
    assert source.vcs_ref.startswith(f"v{generator.__version__}")
    repository = Path(source.path)
    assert repository.is_relative_to(tmp_path / "never-used")
    assert set(released_tags()) <= set(tagged(repository))
    assert (repository / "copier.yml").read_bytes() == (
        BUNDLED / "copier.yml"
    ).read_bytes()
