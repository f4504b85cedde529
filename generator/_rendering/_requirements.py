"""Pin the generated service's requirements to the model's environment.

The model was trained and pickled here, and the service code is tested here,
so the only versions known to work together are the ones installed in the
running interpreter. We therefore pin the whole dependency closure exactly,
rather than emitting loose ranges that would let the service drift.
"""

from __future__ import annotations

import ast
import email.parser
import importlib.metadata
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from .._base._errors import RequirementsError
from .._model._families import DistributionFacts, distribution_facts

# Packaging tools sit in every environment but are never runtime dependencies;
# pinning them would fight whatever pip the service's image ships with.
_TOOLING = frozenset({"pip", "setuptools"})
# Single quotes, so that a marker sits inside a TOML string as it is.
ON_LINUX = "sys_platform == 'linux'"
NOT_ON_LINUX = "sys_platform != 'linux'"


def imported_modules(files: Iterable[Path], *, local: Collection[str] = ()) -> set[str]:
    """Top-level names of the third-party modules that `files` import."""
    found: set[str] = set()
    for path in files:
        found.update(_runtime_imports(_parsed(path).body))
    return {
        name
        for name in found
        if name not in local and name not in sys.stdlib_module_names
    }


def _parsed(path: Path) -> ast.Module:
    try:
        # Bytes let ast honour a PEP 263 coding line, as Python would.
        return ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise RequirementsError(
            f"MLJET could not parse {where} while collecting the service's "
            f"requirements ({error}). They are read from the generated code, so "
            "the file must be valid Python; fix it (or the template that "
            "produced it) and generate again."
        ) from error


def _runtime_imports(body: Iterable[ast.stmt]) -> Iterator[str]:
    # A hand-rolled walk, because ast.walk cannot skip the TYPE_CHECKING
    # branches: those imports only matter to type checkers, not at run time.
    for node in body:
        if isinstance(node, ast.Import):
            yield from (alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module.partition(".")[0]
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _runtime_imports(node.orelse)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    yield from _runtime_imports([child])
                elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    yield from _runtime_imports(child.body)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def project_modules(project: Path) -> set[str]:
    """Third-party modules imported by the runtime code under `project`/src."""
    src = _source_folder(project)
    # Only identifier names can be imported, which leaves out __pycache__'s
    # siblings like *.egg-info that an editable install drops into src.
    local = {
        entry.stem if entry.is_file() else entry.name
        for entry in src.iterdir()
        if (entry.is_dir() or entry.suffix == ".py")
        and (entry.stem if entry.is_file() else entry.name).isidentifier()
    }
    return imported_modules(sorted(src.rglob("*.py")), local=local)


def project_distributions(project: Path) -> set[str]:
    """Distributions the runtime code under `project`/src reads without
    importing them (their files, say): each named by a module-level string
    constant whose name ends in `_DISTRIBUTION`, as `mljet/docs.py` names the
    one that ships Swagger UI."""
    named: set[str] = set()
    for path in sorted(_source_folder(project).rglob("*.py")):
        for node in _parsed(path).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if (
                isinstance(target, ast.Name)
                and target.id.endswith("_DISTRIBUTION")
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                named.add(canonicalize_name(value.value))
    return named


def _source_folder(project: Path) -> Path:
    src = project / "src"
    if not src.is_dir():
        raise RequirementsError(
            f"MLJET expected the generated project's code in {src}, but that "
            "directory does not exist, so the service's requirements cannot be "
            "computed. This is a bug in the template; please report it."
        )
    return src


@dataclass(frozen=True)
class PinnedRequirements:
    """Exact versions of the whole closure, which of them were asked for, the
    environment markers of those pinned for one platform only, and each
    library's dependencies left out because serving never uses them."""

    versions: dict[str, str]
    direct: tuple[str, ...]
    markers: dict[str, str] = field(default_factory=dict)
    unused: dict[str, list[str]] = field(default_factory=dict)


def pin_requirements(
    modules: Iterable[str],
    *,
    extra: Iterable[str] = (),
    files_only: Iterable[str] = (),
    exclude: Iterable[str] = (),
    facts: DistributionFacts | None = None,
) -> PinnedRequirements:
    """Exact versions of the distributions behind `modules`, `extra` and
    `files_only` (distributions whose files the service reads, never running
    their code).

    The closure over their dependencies is followed, but for the edges the
    model families mark as unused by serving (`facts`, every family's by
    default) and those of `files_only`; CPU builds stand in on Linux where a
    family names one. Versions are keyed by canonical name and sorted.
    """
    facts = facts or distribution_facts()
    unused_by = dict(facts.unused_dependencies)
    dropped = {canonicalize_name(name) for name in exclude}
    direct: set[NormalizedName] = set()
    # Each entry is (distribution, extras requested, who asked for it).
    queue: list[tuple[NormalizedName, frozenset[str], str]] = []

    # One scan of sys.path, reading each distribution's headers once: the
    # stdlib helpers re-parse whole METADATA files on every access, which
    # costs over a second for a closure of a few dozen packages.
    index = _installed()
    owners = _owners(index.values())
    for module in sorted(set(modules)):
        top = module.partition(".")[0]
        if top in sys.stdlib_module_names:
            continue
        if top not in owners:
            # Our quick map reads top_level.txt and RECORD; the standard
            # library's map also infers names from installed files.
            for name, found in importlib.metadata.packages_distributions().items():
                owners.setdefault(name, set()).update(found)
        dists = sorted(owners.get(top, ()))
        if not dists:
            raise RequirementsError(
                f"The service or the model imports the module '{top}', but no "
                "installed distribution provides it in this environment "
                f"({sys.executable}). MLJET pins the service's requirements to "
                "the versions installed beside the model, so install the package "
                f"that provides '{top}' there (`{sys.executable} -m pip install "
                "...`) and generate again."
            )
        # Namespace packages (google, azure, ...) are shared by several
        # distributions, and we cannot tell which parts are used: keep all.
        for owner in dists:
            direct.add(canonicalize_name(owner))
            queue.append((canonicalize_name(owner), frozenset(), f"module '{top}'"))
    for spec in extra:
        req = _parse(spec, "the extra requirements MLJET adds to the service")
        name = canonicalize_name(req.name)
        requested = frozenset(canonicalize_name(e) for e in req.extras)
        _check_extras(_distribution(name, "the service", index), requested)
        direct.add(name)
        queue.append((name, requested, f"'{spec}'"))
    for spec in files_only:
        name = canonicalize_name(spec)
        requirements = _distribution(name, "the service", index).requires
        unused_by[name] = frozenset(
            canonicalize_name(_parse(line, f"the metadata of {spec}").name)
            for line in requirements
        )
        direct.add(name)
        queue.append((name, frozenset(), f"'{spec}'"))

    expanded: dict[NormalizedName, set[str]] = {}
    unused: dict[str, set[str]] = {}
    versions: dict[str, str] = {}
    wanted: list[tuple[Requirement, str]] = []
    while queue:
        name, extras, needed_by = queue.pop()
        if name in dropped or (name in _TOOLING and name not in direct):
            continue
        # "" stands for the base requirements, expanded on the first visit;
        # a later visit only adds the extras not yet seen.
        done = expanded.setdefault(name, set())
        new = ({""} | extras) - done
        if not new:
            continue
        dist = _distribution(name, needed_by, index)
        done |= new
        # PyPI never serves local versions ("2.1+cu121"), so pin the public one.
        versions[name] = dist.version.partition("+")[0]
        for line in dist.requires:
            req = _parse(line, f"the metadata of {dist.name}")
            if req.marker is not None and not any(
                req.marker.evaluate({"extra": e}) for e in new
            ):
                continue
            if canonicalize_name(req.name) in unused_by.get(name, ()):
                unused.setdefault(name, set()).add(canonicalize_name(req.name))
                continue
            wanted.append((req, dist.name))
            queue.append(
                (
                    canonicalize_name(req.name),
                    frozenset(canonicalize_name(e) for e in req.extras),
                    f"{dist.name} (through its requirement `{line}`)",
                )
            )

    _check_consistent(wanted, versions)
    chosen = _prefer_cpu_builds(versions, direct, facts.cpu_builds)
    return PinnedRequirements(
        versions=chosen.versions,
        direct=tuple(sorted(name for name in chosen.direct if name in chosen.versions)),
        markers=chosen.markers,
        unused={name: sorted(unused[name]) for name in sorted(unused)},
    )


@dataclass(frozen=True)
class _Substituted:
    versions: dict[str, str]
    direct: set[str]
    markers: dict[str, str]


def _prefer_cpu_builds(
    versions: Mapping[str, str], direct: Set[str], cpu_builds: Mapping[str, str]
) -> _Substituted:
    """Pin each CPU build beside its library, each under its platform marker.

    Images run Linux, so there the CPU build is pinned at the model's
    version; elsewhere (a Mac running the project's tests) the usual
    distribution is. The artifact's parity check shows the CPU build
    answers as the model did.
    """
    kept = dict(versions)
    wanted = set(direct)
    markers: dict[str, str] = {}
    for library, build in cpu_builds.items():
        if library not in versions or build in versions:
            continue
        kept[build] = versions[library]
        markers[library] = NOT_ON_LINUX
        markers[build] = ON_LINUX
        if library in direct:
            wanted.add(build)
    return _Substituted(
        versions={name: kept[name] for name in sorted(kept)},
        direct=wanted,
        markers=markers,
    )


def system_packages_for(
    distributions: Iterable[str], facts: DistributionFacts | None = None
) -> list[str]:
    """The Debian packages the given distributions' wheels load, sorted."""
    needed = (facts or distribution_facts()).system_packages
    return sorted(
        {package for name in distributions for package in needed.get(name, ())}
    )


def _parse(line: str, source: str) -> Requirement:
    try:
        return Requirement(line)
    except InvalidRequirement as error:
        raise RequirementsError(
            f"MLJET could not read the requirement '{line}' from {source} "
            f"({error}). Fix or reinstall the offending package and generate again."
        ) from error


@dataclass(frozen=True)
class _Installed:
    """The few facts about an installed distribution that pinning needs."""

    name: str
    version: str
    requires: tuple[str, ...]
    extras: tuple[str, ...]
    dist: importlib.metadata.Distribution


def _installed() -> dict[str, _Installed]:
    index: dict[str, _Installed] = {}
    parser = email.parser.HeaderParser()
    for dist in importlib.metadata.distributions():
        text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
        headers = parser.parsestr(text.split("\n\n", 1)[0])
        name = headers["Name"]
        # The first on sys.path wins, as it does for imports.
        if not name or canonicalize_name(name) in index:
            continue
        index[canonicalize_name(name)] = _Installed(
            name=name,
            version=headers["Version"] or "",
            requires=tuple(headers.get_all("Requires-Dist") or ()),
            extras=tuple(headers.get_all("Provides-Extra") or ()),
            dist=dist,
        )
    return index


def _owners(installed: Iterable[_Installed]) -> dict[str, set[str]]:
    """Top-level import names mapped to the distributions that provide them."""
    owners: dict[str, set[str]] = {}
    for entry in installed:
        for top in _top_level_names(entry.dist):
            owners.setdefault(top, set()).add(entry.name)
    return owners


def _top_level_names(dist: importlib.metadata.Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed:
        return {line.strip() for line in listed.splitlines() if line.strip()}
    # Wheels built by modern backends have no top_level.txt: read RECORD.
    names: set[str] = set()
    for line in (dist.read_text("RECORD") or "").splitlines():
        first = line.split(",", 1)[0].split("/", 1)[0]
        if (
            not first
            or first.startswith(".")
            or first.endswith((".dist-info", ".data"))
        ):
            continue
        if first.endswith(".pth") or first == "__pycache__":
            continue
        # "pkg", "module.py" and "ext.cpython-311-x86_64-linux-gnu.so" alike.
        names.add(first.split(".", 1)[0])
    return names


def _distribution(
    name: str, needed_by: str, index: Mapping[str, _Installed]
) -> _Installed:
    try:
        return index[canonicalize_name(name)]
    except KeyError:
        raise RequirementsError(
            f"The distribution '{name}' is needed by {needed_by}, but it is not "
            f"installed in this environment ({sys.executable}). MLJET pins the "
            "service's requirements to the versions installed beside the model, "
            f"so install it there (`{sys.executable} -m pip install {name}`) and "
            "generate again."
        ) from None


def _check_extras(dist: _Installed, extras: frozenset[str]) -> None:
    # A misspelt extra would silently drop its dependencies from the service.
    name = dist.name
    provided = dist.extras
    if not provided:  # old metadata does not declare its extras
        return
    unknown = extras - {canonicalize_name(e) for e in provided}
    if unknown:
        raise RequirementsError(
            f"The distribution '{name}' has no extra named "
            f"{', '.join(sorted(unknown))}; it provides {', '.join(sorted(provided))}."
            " Correct the extra's name and generate again."
        )


def _check_consistent(
    wanted: Iterable[tuple[Requirement, str]], versions: Mapping[str, str]
) -> None:
    # Pinning a broken environment would only fail later, when the service's
    # image is built; say so now, while the user can still repair it here.
    for req, owner in wanted:
        version = versions.get(canonicalize_name(req.name))
        if version and not req.specifier.contains(version, prereleases=True):
            raise RequirementsError(
                f"{owner} requires '{req}', but this environment "
                f"({sys.executable}) has {req.name} {version} installed, so the "
                "pinned requirements could not be installed together. Run "
                f"`{sys.executable} -m pip check`, repair the environment, and "
                "generate again."
            )


def served_modules(files: Iterable[Path]) -> set[str]:
    """Every top-level module a service of `files` (the template's Python) may
    import: theirs, and those of the distributions pinned with them, as
    installed here (a module of no installed distribution stands alone)."""
    imported = imported_modules(files)
    owners = _owners(_installed().values())
    installed = {module for module in imported if module in owners}
    try:
        pins = pin_requirements(installed)
    except RequirementsError:
        return imported  # an environment pinning refuses: it says so later
    return imported | modules_of_distributions(pins.versions)


def modules_of_distributions(names: Iterable[str]) -> set[str]:
    """The top-level modules the installed distributions `names` provide."""
    wanted = {canonicalize_name(name) for name in names}
    return {
        module
        for entry in _installed().values()
        if canonicalize_name(entry.name) in wanted
        for module in _top_level_names(entry.dist)
        if module.isidentifier()
    }


def python_version() -> str:
    """The running interpreter's "major.minor", which the service will target."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"
