"""`mljet update`: bring a service to this MLJET's template, keeping its
owner's edits, and say exactly what happened.

update = check -> probe -> update -> report -> quick checks.

The probe runs the same Copier update on a throwaway clone of the
project's last commit: what the new template imports (or reads) there
decides whether the requirements must be pinned again (in this Python, as
generation pins them beside the model). The real update then applies the
template and any new pins in one Copier update, so the owner reviews one
change. Files where the owner's edits and the template collide keep
Copier's conflict markers; they are listed and the command fails, so a
conflict is never silent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from .._base._errors import HookError, MljetError
from .._base._reporting import Steps
from .._rendering._answers import recorded_answers
from .._rendering._history import DEVELOPMENT, PUBLIC_REPOSITORY, holds, released_tags
from .._rendering._hooks._typecheck import typecheck_project
from .._rendering._template import (
    TemplateSource,
    check_clean,
    record_source,
    recorded_source,
    template_source,
    update_project,
)
from ._fence import FenceEdited, Release, rendered_release


@dataclass
class Updated:
    """What an update did to a project."""

    project: Path
    from_version: str
    to_version: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    # Distributions pinned because the new template needs them.
    newly_pinned: list[str] = field(default_factory=list)
    # Quick checks that failed after a clean update, with why.
    broken: list[str] = field(default_factory=list)
    # Where the service stores the model put in, when the update swapped it.
    model: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.conflicts or self.broken)

    def summary(self) -> str:
        if self.model is not None:
            done = f"model put in as {self.model}"
        elif self.from_version == self.to_version:
            return f"{self.project} is already at template {self.to_version}"
        else:
            done = f"template {self.from_version} -> {self.to_version}"
        lines = [f"{done}: {len(self.changed)} files changed"]
        lines += [f"  {path}" for path in self.changed]
        if self.newly_pinned:
            lines.append(f"pinned for the new template: {', '.join(self.newly_pinned)}")
        if self.conflicts:
            lines.append(
                "your edits and the template collide in these files; resolve the "
                "<<<<<<< markers, then commit:"
            )
            lines += [f"  {path}" for path in self.conflicts]
        for problem in self.broken:
            lines.append(f"after the update, {problem}")
        if self.ok:
            lines.append("review with `git diff`, then commit")
        return "\n".join(lines)


def update_service(
    project: Path,
    report: Steps,
    *,
    source: TemplateSource | None = None,
    checks: bool = True,
) -> Updated:
    """Update `project` to `source`'s template (this MLJET's by default)."""
    project = project.resolve()
    answers = recorded_answers(project)
    check_clean(project)
    source = source or template_source()
    _adopt_recorded_source(project, source)
    old, new = str(answers.get("_commit", "")), str(source.vcs_ref)
    if old == new:
        return Updated(project, old, new)
    _require_release(project, old, source)
    report.step(f"updating {project.name} from template {old} to {new}")
    with rendered_release(project, answers, source) as release:
        data = _probe(project, answers, source, new, release, report)
        conflicts = update_project(project, data, new, source)
        conflicts = _carry_appended(project, release, conflicts)
    updated = Updated(project, old, new, conflicts=conflicts)
    updated.changed = changed_files(project)
    updated.newly_pinned = sorted(
        set(data.get("requirements", {})) - set(answers.get("requirements", {}))
    )
    if checks and not conflicts:
        report.step("checking the updated service: import, black, mypy --strict")
        updated.broken = quick_checks(project, str(answers["package_name"]))
    return updated


def _adopt_recorded_source(project: Path, source: TemplateSource) -> None:
    """A project made by MLJET 0.1.0 names its template by a path of the
    machine that made it: it is renamed once, for the owner to commit."""
    recorded = recorded_source(project)
    if source.recorded is None or recorded in (source.recorded, source.path):
        return
    if recorded is None or _is_url(recorded):
        return  # a fork's URL, say: Copier reads it as it is
    record_source(project, source.recorded)
    raise MljetError(
        f"{project}'s answers named its template '{recorded}', a path on the "
        f"machine that generated it. They now name {PUBLIC_REPOSITORY}, which "
        "works on any machine. Commit that change (git -C "
        f"{project} commit -am 'Record the template by its public URL'), then "
        "run the update again."
    )


def _require_release(project: Path, version: str, source: TemplateSource) -> None:
    """Stop before anything is written when the template release the project
    was made with (`version`) is nowhere this MLJET can read it."""
    from .. import __version__

    if _is_url(source.path) or holds(Path(source.path), version):
        return
    carried = ", ".join(released_tags()) or "no release"
    if DEVELOPMENT.match(version):
        where = (
            f"it is a development build's template, in none of the releases "
            f"this MLJET ({__version__}) carries ({carried}) and in no commit "
            "of its checkout. Update with the MLJET that generated the service, "
            "or with a clone of MLJET whose history holds that template "
            "(git clone, then pip install -e CLONE)"
        )
    else:
        where = (
            f"this MLJET ({__version__}) carries {carried}. Install the release "
            f"that made it or a later one (pip install -U 'mljet>={version[1:]}')"
        )
    raise MljetError(
        f"{project.name} was made from template {version}, which this MLJET "
        f"cannot find, so the update stops before changing anything: {where}, "
        "and run the update again."
    )


def _is_url(source: str) -> bool:
    """A git URL (https://, ssh://, git@host:, Copier's gh: and gl:), not a path."""
    return (
        "://" in source
        or source.startswith(("gh:", "gl:"))
        or ("@" in source.split(":", 1)[0] and ":" in source)
    )


def _probe(
    project: Path,
    answers: dict[str, Any],
    source: TemplateSource,
    version: str,
    release: Release,
    report: Steps,
) -> dict[str, Any]:
    """The update, tried on a clone of the project's last commit first: a
    FenceEdited error if it would replace or drop a file of the runtime the
    owner edited, else the pinned answers when the new template needs
    what no pin covers (else none)."""
    from .._rendering._hooks import Project, hooks_named
    from .._rendering._requirements import (
        modules_of_distributions,
        project_distributions,
        project_modules,
    )

    with tempfile.TemporaryDirectory(prefix="mljet-probe-") as scratch:
        probe = Path(scratch) / project.name
        _run(["git", "clone", "--quiet", str(project), str(probe)])
        conflicts = update_project(probe, {}, version, source)
        edited = release.edited(project, probe)
        if edited:
            raise FenceEdited(project, str(answers.get("_commit", "")), edited)
        if conflicts:
            # The template's side of each collision: what the new template
            # imports there (the owner's side was pinned before, or is theirs).
            _run(["git", "-C", str(probe), "checkout", "--theirs", "--", *conflicts])
        # As the template's migration completed them for this version.
        probed = Project.existing(probe)
        pinned = set(probed.answers.get("requirements", {}))
        covered = modules_of_distributions(pinned) | set(
            probed.answers.get("model_modules", ())
        )
        missing = sorted(project_modules(probe) - covered) + sorted(
            project_distributions(probe) - {canonicalize_name(n) for n in pinned}
        )
        if not missing:
            return {}
        report.step(
            f"the new template needs {', '.join(missing)}: "
            "pinning the requirements again, to the versions installed here"
        )
        for hook in hooks_named("requirements"):
            hook.run(probed)
        return dict(probed.pending)


def _carry_appended(project: Path, release: Release, conflicts: list[str]) -> list[str]:
    """Resolve each collision where the owner only appended lines to a file
    the template rewrote: the new file, then their lines. The others remain."""
    remaining = []
    for relative in conflicts:
        committed = _git_show(project, f"HEAD:{relative}")
        theirs = _git_show(project, f":3:{relative}")
        added = release.appended(relative, committed) if committed else None
        if added is None or theirs is None:
            remaining.append(relative)
            continue
        (project / relative).write_text(theirs.rstrip("\n") + "\n" + added)
        # Out of conflict: a change to review like the update's others.
        _run(["git", "-C", str(project), "reset", "--quiet", "--", relative])
    return remaining


def _git_show(project: Path, object_name: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(project), "show", object_name],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def changed_files(project: Path) -> list[str]:
    status = _run(["git", "-C", str(project), "status", "--porcelain"])
    return sorted(line[3:] for line in status.splitlines() if line.strip())


def quick_checks(project: Path, package: str) -> list[str]:
    """Each quick check the service fails, with its first lines of output."""
    checks = {
        "the service does not import": [
            sys.executable, "-c", f"import {package}.app",
        ],
        "black would reformat code": [
            sys.executable, "-m", "black", "--check", "--quiet", "src", "tests",
        ],
    }  # fmt: skip
    broken = []
    for problem, command in checks.items():
        done = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            env=_with_src(project),
            check=False,
        )
        if done.returncode != 0:
            said = (done.stdout + done.stderr).strip().splitlines()[-5:]
            broken.append(f"{problem}:\n    " + "\n    ".join(said))
    try:
        typecheck_project(project)
    except HookError as error:
        broken.append(error.reason.replace("the generated code", "the code"))
    return broken


def _with_src(project: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(project / "src")}


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MljetError(f"{' '.join(command[:3])} failed: {done.stderr.strip()}")
    return done.stdout
