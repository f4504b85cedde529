"""Pinning the generated service's requirements from the model's environment."""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from generator._base._errors import RequirementsError
from generator._model._families import distribution_facts
from generator._rendering._requirements import (
    _prefer_cpu_builds,
    imported_modules,
    pin_requirements,
    project_distributions,
    project_modules,
    python_version,
)

APP = """
from __future__ import annotations

import json, os.path
import numpy as np
import sklearn.ensemble
from pandas.api import types
from . import helpers
from .helpers import thing
from mysvc import config
import mysvc.config
import toplevel_mod
import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mypy_only
else:
    import orjson

if typing.TYPE_CHECKING:
    from typeonly import X



def handler(x):
    import fastapi

    try:
        import uvicorn
    except ImportError:
        import starlette
    match x:
        case 1:
            import joblib
"""


def pin_versions(modules: object, **options: object) -> dict[str, str]:
    """Just the pinned versions."""
    return pin_requirements(modules, **options).versions  # type: ignore[arg-type]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "mysvc").mkdir(parents=True)
    (src / "mysvc" / "__init__.py").write_text("")
    (src / "mysvc" / "app.py").write_text(APP)
    (src / "mysvc" / "helpers.py").write_text("import scipy.stats\n")
    (src / "toplevel_mod.py").write_text("import pydantic\n")
    (src / "mysvc.egg-info").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("import pytest\nimport httpx\n")
    return tmp_path


def test_imported_modules_keeps_only_third_party_runtime_imports(
    project: Path,
) -> None:
    files = sorted((project / "src").rglob("*.py"))
    found = imported_modules(files, local={"mysvc", "toplevel_mod"})
    assert found == {
        "numpy",
        "sklearn",
        "pandas",
        "orjson",
        "fastapi",
        "uvicorn",
        "starlette",
        "joblib",
        "scipy",
        "pydantic",
    }


def test_imported_modules_without_local_reports_own_packages(project: Path) -> None:
    found = imported_modules([project / "src" / "mysvc" / "app.py"])
    assert {"mysvc", "toplevel_mod"} <= found
    assert not found & {"json", "os", "typing", "__future__", "mypy_only"}


def test_project_modules_scans_src_only_and_treats_its_packages_as_local(
    project: Path,
) -> None:
    found = project_modules(project)
    assert "scipy" in found and "pydantic" in found
    assert not found & {"mysvc", "toplevel_mod", "pytest", "httpx"}


def test_project_distributions_are_the_module_constants_naming_them(
    project: Path,
) -> None:
    """Code that reads a distribution's files without importing it names it
    in a module-level `*_DISTRIBUTION` constant; nothing else counts."""
    (project / "src" / "mysvc" / "assets.py").write_text(
        "ASSETS_DISTRIBUTION = 'Flask_Swagger.UI'\n"
        "OTHER = 'numpy'\n"
        "TYPED_DISTRIBUTION: str = 'annotated'\n"
        "def f():\n    INNER_DISTRIBUTION = 'inside-a-function'\n"
    )
    assert project_distributions(project) == {"flask-swagger-ui", "annotated"}


def test_a_distribution_read_for_its_files_is_pinned_without_its_dependencies() -> None:
    """Swagger UI's files come in a Flask extension: its Flask is left out
    (said so in requirements.txt), unless the service imports Flask."""
    pins = pin_requirements([], files_only=["flask-swagger-ui"])
    assert pins.versions == {
        "flask-swagger-ui": importlib.metadata.version("flask-swagger-ui")
    }
    assert pins.unused == {"flask-swagger-ui": ["flask"]}
    served_by_flask = pin_requirements(["flask"], files_only=["flask-swagger-ui"])
    assert {"flask", "flask-swagger-ui", "werkzeug"} <= served_by_flask.versions.keys()


def test_project_modules_without_src_raises(tmp_path: Path) -> None:
    with pytest.raises(RequirementsError, match="src"):
        project_modules(tmp_path)


def test_unparsable_file_raises_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken_module.py"
    bad.write_text("import os\n\ndef (:\n")
    with pytest.raises(RequirementsError, match=r"broken_module\.py:3"):
        imported_modules([bad])


def test_pin_sklearn_closure_matches_installed_versions() -> None:
    pins = pin_versions({"sklearn"})
    for dist in ("scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl"):
        assert pins[dist] == importlib.metadata.version(dist)
    assert list(pins) == sorted(pins)
    assert "pip" not in pins and "setuptools" not in pins


def test_pin_accepts_dotted_and_stdlib_module_names() -> None:
    assert pin_versions(
        {"sklearn.ensemble._forest", "collections", "os.path"}
    ) == pin_versions({"sklearn"})


def test_pin_fastapi_includes_its_dependencies() -> None:
    pins = pin_versions({"fastapi"})
    assert {"fastapi", "starlette", "pydantic", "pydantic-core"} <= pins.keys()
    assert pins["starlette"] == importlib.metadata.version("starlette")


def test_pin_exclude_drops_canonical_names() -> None:
    pins = pin_versions({"sklearn"}, exclude=["SciPy"])
    assert "scipy" not in pins
    assert "scikit-learn" in pins


def test_xgboost_is_pinned_as_its_cpu_build_on_linux_without_nccl() -> None:
    pinned = pin_requirements({"xgboost"})
    version = importlib.metadata.version("xgboost")
    assert pinned.versions["xgboost"] == pinned.versions["xgboost-cpu"] == version
    assert pinned.markers == {
        "xgboost": "sys_platform != 'linux'",
        "xgboost-cpu": "sys_platform == 'linux'",
    }
    assert {"xgboost", "xgboost-cpu"} <= set(pinned.direct)
    assert not [name for name in pinned.versions if name.startswith("nvidia-")]
    for name, marker in pinned.markers.items():
        requirement = Requirement(f"{name}=={pinned.versions[name]}; {marker}")
        assert requirement.marker is not None
        linux = {"sys_platform": "linux"}
        assert requirement.marker.evaluate(linux) == (name == "xgboost-cpu")


def test_catboosts_plotting_libraries_are_left_out() -> None:
    pinned = pin_requirements({"catboost"})
    assert not {"matplotlib", "plotly", "graphviz", "pillow"} & pinned.versions.keys()
    assert {"catboost", "numpy", "pandas", "scipy", "six"} <= pinned.versions.keys()
    assert pinned.unused == {"catboost": ["graphviz", "matplotlib", "plotly"]}


def test_a_left_out_dependency_stays_when_another_library_needs_it() -> None:
    # matplotlib itself is asked for, beside catboost which declares it.
    pinned = pin_requirements({"catboost", "matplotlib"})
    assert pinned.versions["matplotlib"] == importlib.metadata.version("matplotlib")
    assert "pillow" in pinned.versions


def test_a_model_environment_holding_the_cpu_build_pins_it_as_it_is() -> None:
    versions = {"xgboost-cpu": "3.0.0", "numpy": "2.0"}
    chosen = _prefer_cpu_builds(
        versions, {"xgboost-cpu"}, distribution_facts().cpu_builds
    )
    assert (chosen.versions, chosen.markers) == (versions, {})


def test_pin_unknown_module_raises_naming_it() -> None:
    with pytest.raises(RequirementsError, match="no_such_module_xyz") as info:
        pin_versions({"no_such_module_xyz"})
    assert sys.executable in str(info.value)
    assert "pip install" in str(info.value)


# A fake environment: *.dist-info directories on sys.path are all that
# importlib.metadata looks at, so they exercise extras and markers exactly.
FAKE_DISTS = {
    "mljetfake-core": (
        "1.0+local",
        ["mljetfake_core"],
        ["fast", "slow"],
        [
            "mljetfake-dep>=0.5",
            'mljetfake-speed; extra == "fast"',
            'mljetfake-absent; extra == "slow"',
            'mljetfake-absent; python_version < "3"',
            'mljetfake-absent; sys_platform == "mljet-nowhere"',
        ],
    ),
    "mljetfake-dep": ("0.5", [], [], ["mljetfake-leaf[tiny]>=2"]),
    "mljetfake-leaf": ("3.0", [], ["tiny"], ['mljetfake-tiny; extra == "tiny"']),
    "mljetfake-tiny": ("0.1", [], [], []),
    "mljetfake-speed": ("2.0", [], [], []),
    "mljetfake-ns-a": ("1.1", ["mljetfake_ns"], [], []),
    "mljetfake-ns-b": ("1.2", ["mljetfake_ns"], [], []),
    "mljetfake-needy": ("1.0", ["mljetfake_needy"], [], ["mljetfake-dep>=9"]),
    "mljetfake-broken": ("1.0", ["mljetfake_broken"], [], ["mljetfake-absent"]),
    "mljetfake-tooling": ("1.0", ["mljetfake_tooling"], [], ["pip", "setuptools"]),
}


@pytest.fixture
def fake_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    for name, (version, top_level, extras, requires) in FAKE_DISTS.items():
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        metadata = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}"]
        metadata += [f"Provides-Extra: {extra}" for extra in extras]
        metadata += [f"Requires-Dist: {req}" for req in requires]
        (info / "METADATA").write_text("\n".join(metadata) + "\n")
        (info / "top_level.txt").write_text("".join(f"{t}\n" for t in top_level))
    monkeypatch.syspath_prepend(str(site))


@pytest.mark.usefixtures("fake_env")
def test_pin_follows_markers_and_transitive_extras() -> None:
    assert pin_versions({"mljetfake_core"}) == {
        "mljetfake-core": "1.0",  # local label stripped
        "mljetfake-dep": "0.5",
        "mljetfake-leaf": "3.0",
        "mljetfake-tiny": "0.1",  # via mljetfake-leaf[tiny]
    }


@pytest.mark.usefixtures("fake_env")
def test_pin_requested_extra_adds_its_dependencies() -> None:
    pins = pin_versions((), extra=["mljetfake_core[FAST]"])
    assert pins["mljetfake-speed"] == "2.0"
    assert "mljetfake-dep" in pins


@pytest.mark.usefixtures("fake_env")
@pytest.mark.parametrize(
    "extra",
    [
        ["mljetfake-core", "mljetfake-core[fast]"],
        ["mljetfake-core[fast]", "mljetfake-core"],
    ],
)
def test_pin_extra_expanded_whichever_request_comes_first(extra: list[str]) -> None:
    # The same distribution reached first without, then with, the extra (or
    # the reverse) must still bring in the extra's dependencies.
    assert "mljetfake-speed" in pin_versions({"mljetfake_core"}, extra=extra)


@pytest.mark.usefixtures("fake_env")
def test_pin_extra_with_missing_dependency_names_it_and_its_dependant() -> None:
    with pytest.raises(RequirementsError, match="mljetfake-absent") as info:
        pin_versions((), extra=["mljetfake-core[slow]"])
    assert "mljetfake-core" in str(info.value)


@pytest.mark.usefixtures("fake_env")
def test_pin_misspelt_extra_raises() -> None:
    with pytest.raises(RequirementsError, match="fasst"):
        pin_versions((), extra=["mljetfake-core[fasst]"])


@pytest.mark.usefixtures("fake_env")
def test_pin_missing_base_dependency_raises() -> None:
    with pytest.raises(RequirementsError, match=r"mljetfake-absent.*mljetfake-broken"):
        pin_versions({"mljetfake_broken"})


@pytest.mark.usefixtures("fake_env")
def test_pin_excluding_a_missing_dependency_skips_it() -> None:
    pins = pin_versions({"mljetfake_broken"}, exclude=["mljetfake_absent"])
    assert pins == {"mljetfake-broken": "1.0"}


@pytest.mark.usefixtures("fake_env")
def test_pin_namespace_module_includes_every_distribution() -> None:
    assert pin_versions({"mljetfake_ns"}) == {
        "mljetfake-ns-a": "1.1",
        "mljetfake-ns-b": "1.2",
    }


@pytest.mark.usefixtures("fake_env")
def test_pin_inconsistent_environment_raises() -> None:
    with pytest.raises(RequirementsError, match=r"mljetfake-dep>=9.*pip check"):
        pin_versions({"mljetfake_needy"})


@pytest.mark.usefixtures("fake_env")
def test_pin_drops_packaging_tools_unless_requested() -> None:
    assert pin_versions({"mljetfake_tooling"}) == {"mljetfake-tooling": "1.0"}
    pins = pin_versions({"mljetfake_tooling"}, extra=["pip"])
    assert pins["pip"] == importlib.metadata.version("pip")
    assert "setuptools" not in pins


def test_pin_real_uvicorn_standard_extra() -> None:
    # Whatever this environment holds, the result must be the honest one:
    # every dependency of the extra pinned, or an error naming what is missing.
    only_in_extra = [
        req
        for req in map(Requirement, importlib.metadata.requires("uvicorn") or [])
        if req.marker is not None
        and req.marker.evaluate({"extra": "standard"})
        and not req.marker.evaluate({"extra": ""})
    ]
    assert only_in_extra
    names = {canonicalize_name(req.name) for req in only_in_extra}
    missing = set()
    for name in names:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            missing.add(name)
    assert not names & pin_versions({"uvicorn"}).keys()
    if missing:
        with pytest.raises(RequirementsError) as info:
            pin_versions((), extra=["uvicorn[standard]"])
        assert any(f"'{name}'" in str(info.value) for name in missing)
    else:
        assert names <= pin_versions((), extra=["uvicorn[standard]"]).keys()


def test_python_version_is_major_minor() -> None:
    version = python_version()
    assert re.fullmatch(r"3\.\d+", version)
    assert sys.version.startswith(version + ".")


def test_the_quick_module_map_agrees_with_the_standard_library() -> None:
    """Pinning maps modules to distributions without the slow stdlib scan;
    for every module a generated service imports, the answer is the same."""
    import importlib.metadata

    from generator._rendering._requirements import _installed, _owners

    quick = _owners(_installed().values())
    standard = importlib.metadata.packages_distributions()
    service_modules = [
        "fastapi", "starlette", "uvicorn", "orjson", "numpy",
        "pandas", "sklearn", "scipy", "joblib", "pydantic", "anyio",
    ]  # fmt: skip
    for module in service_modules:
        assert quick[module] == set(standard[module]), module
