"""The template's releases travel with MLJET (`generator/_history.py`): one
version everywhere, every release in the wheel, and answers that name no
path of the machine that generated them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

import generator
from cli import run_generator
from conftest import REPO, git
from generator._history import (
    BUNDLED,
    HISTORY_BUNDLE_NAME,
    PUBLIC_REPOSITORY,
    history_repository,
    release_tags,
    url_rewrites,
    write_bundle,
)
from generator._template import template_source

installed = pytest.mark.skipif(
    not BUNDLED.is_dir(),
    reason="generator runs from a source checkout; `pip install .` ships the bundle",
)


def tagged(repository: Path) -> dict[str, str]:
    lines = git(repository, "show-ref", "--tags", "--dereference").splitlines()
    refs = dict(reversed(line.split()) for line in lines)
    # An annotated tag's commit is its ^{} entry.
    return {
        ref.removeprefix("refs/tags/").removesuffix("^{}"): sha
        for ref, sha in refs.items()
        if ref.endswith("^{}") or f"{ref}^{{}}" not in refs
    }


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A project with two template releases and a change since the last."""
    repository = tmp_path / "checkout"
    (repository / "template").mkdir(parents=True)
    (repository / "hooks").mkdir()
    git(repository, "init", "--quiet")
    for version, line in (("1.0.0", "one"), ("1.1.0", "two")):
        (repository / "copier.yml").write_text(f"_subdirectory: template\n# {line}\n")
        (repository / "template/README.md").write_text(f"{line}\n")
        (repository / "hooks/run.py").write_text(f"# {line}\n")
        (repository / "notes.txt").write_text("not the template\n")
        git(repository, "add", "--all")
        git(repository, "commit", "--quiet", "-m", version)
        git(repository, "tag", "-a", f"v{version}", "-m", version)
    git(repository, "tag", "not-a-release")
    return repository


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
    for tag in release_tags(REPO):
        assert f"## {tag[1:]} " in changelog, tag


def test_releases_become_template_commits_alike_on_every_machine(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "one"))
    repository, tag = history_repository(checkout, "1.1.0")
    assert tag == "v1.1.0"
    released = tagged(repository)
    assert set(released) == {"v1.0.0", "v1.1.0"}
    # Only what Copier reads: the template's files.
    listed = git(repository, "ls-tree", "-r", "--name-only", "v1.0.0").split()
    assert listed == ["copier.yml", "hooks/run.py", "template/README.md"]
    assert git(repository, "show", "v1.0.0:template/README.md") == "one\n"
    assert (repository / "template/README.md").read_text() == "two\n"

    # Another machine, and a wheel's bundle: the same commits.
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "two"))
    files = tmp_path / "wheel"
    assert write_bundle(checkout, files / HISTORY_BUNDLE_NAME)
    shutil.copy2(checkout / "copier.yml", files)
    for folder in ("template", "hooks"):
        shutil.copytree(checkout / folder, files / folder)
    other, other_tag = history_repository(files, "1.1.0")
    assert other_tag == "v1.1.0"
    assert tagged(other) == released


def test_a_development_build_gets_a_tag_of_its_own_files(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path / "cache"))
    (checkout / "template/README.md").write_text("three, not committed\n")
    (checkout / "template/__pycache__").mkdir()
    (checkout / "template/__pycache__/x.pyc").write_bytes(b"\0")
    repository, tag = history_repository(checkout, "1.1.0")
    assert tag.startswith("v1.1.0+") and len(tag) == len("v1.1.0+") + 12
    assert (
        git(repository, "show", f"{tag}:template/README.md") == "three, not committed\n"
    )
    assert "__pycache__" not in git(repository, "ls-tree", "-r", "--name-only", tag)
    # The same files again: the same tag, nothing new.
    assert history_repository(checkout, "1.1.0") == (repository, tag)
    assert len(tagged(repository)) == 3
    # Going back to the release's files puts them on disk again.
    git(checkout, "checkout", "--quiet", "--", "template/README.md")
    assert history_repository(checkout, "1.1.0")[1] == "v1.1.0"
    assert (repository / "template/README.md").read_text() == "two\n"


def test_git_reads_the_public_url_as_the_local_repository_meanwhile(
    checkout: Path,
) -> None:
    listed = subprocess.run(
        ["git", "ls-remote", "--tags", PUBLIC_REPOSITORY],
        capture_output=True, text=True, check=True,
        env={**os.environ, **url_rewrites({PUBLIC_REPOSITORY: checkout})},
    ).stdout  # fmt: skip
    assert "refs/tags/v1.1.0" in listed
    assert url_rewrites({}) == {}


@installed
def test_the_wheel_carries_every_release_of_the_checkout() -> None:
    assert (BUNDLED / "copier.yml").is_file()
    assert (BUNDLED / "template/src/{{package_name}}/service.py").is_file()
    heads = git(BUNDLED, "bundle", "list-heads", str(BUNDLED / HISTORY_BUNDLE_NAME))
    shipped = {
        line.split()[1].removeprefix("refs/tags/") for line in heads.splitlines()
    }
    assert shipped == set(release_tags(REPO))
    assert "v0.1.0" in shipped


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
    assert set(release_tags(REPO)) <= set(tagged(repository))
    assert (repository / "copier.yml").read_bytes() == (
        BUNDLED / "copier.yml"
    ).read_bytes()
