"""The installed package carries its template, kept as a tagged git repository
so that services generated from a pip install can `copier update` too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import generator
from cli import run_generator
from conftest import git
from generator._bundled import BUNDLE, bundled_template

installed = pytest.mark.skipif(
    not BUNDLE.is_dir(),
    reason="generator runs from a source checkout; `pip install .` ships the bundle",
)


@installed
def test_the_bundle_holds_the_whole_template() -> None:
    assert (BUNDLE / "copier.yml").is_file()
    assert (BUNDLE / "hooks/finish_copier_copy.py").is_file()
    assert (BUNDLE / "template/src/{{package_name}}/service.py").is_file()


@installed
def test_the_bundle_becomes_a_tagged_repository_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path))
    repository, tag = bundled_template(generator.__version__)
    assert tag == f"v{generator.__version__}"
    assert git(repository, "tag", "--list").split() == [tag]
    assert (repository / "copier.yml").read_bytes() == (
        BUNDLE / "copier.yml"
    ).read_bytes()
    again, _ = bundled_template(generator.__version__)
    assert again == repository
    assert git(repository, "rev-list", "--count", "HEAD").strip() == "1"
    bundled_template("99.0.0")
    assert git(repository, "tag", "--list").split() == [tag, "v99.0.0"]


@installed
def test_the_installed_generator_works_from_any_directory(
    tmp_path: Path, binary_files: tuple[Path, Path]
) -> None:
    env = {**os.environ, "MLJET_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MLJET_TEMPLATE", None)
    result = run_generator(binary_files[0], "--name", "svc", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((tmp_path / "svc/.copier-answers.yml").read_text())
    assert answers["_src_path"] == str(tmp_path / "cache/template")
    assert answers["_commit"] == f"v{generator.__version__}"


@installed
def test_a_changed_bundle_of_the_same_version_gets_its_own_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reinstalling a development build must not render yesterday's files."""
    monkeypatch.setenv("MLJET_CACHE_DIR", str(tmp_path))
    repository = tmp_path / "template"
    repository.mkdir()
    git(repository, "init", "--quiet")
    (repository / "copier.yml").write_text("# an older build of this version\n")
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "-m", "MLJET old\n\nbundle 0123")
    stale = f"v{generator.__version__}"
    git(repository, "tag", stale)

    _, tag = bundled_template(generator.__version__)
    assert tag is not None and tag.startswith(f"{stale}+")
    assert (repository / "copier.yml").read_bytes() == (
        BUNDLE / "copier.yml"
    ).read_bytes()
    assert bundled_template(generator.__version__)[1] == tag
