"""The project the hooks work on: its directory, its answers, how to render.

A project is either staged (being generated: rendered again from scratch
with the answers the hooks recorded) or existing (an owner's project, maybe
edited: the answers are applied through Copier's update, which keeps the
edits). Either way the hooks read everything they need from the answers,
so each can run on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..._base._worker import InProcess, Worker
from .._answers import recorded_answers
from .._template import TemplateSource, render, template_source, update_answers


@dataclass
class Project:
    """A rendered project and the answers it is (or will be) rendered from."""

    path: Path
    answers: dict[str, Any]
    # Where the template comes from; None for an existing project, whose
    # answers file says it.
    template: TemplateSource | None = None
    worker: Worker = field(default_factory=InProcess)
    # Answers recorded since the project's files were last rendered.
    pending: dict[str, Any] = field(default_factory=dict)
    # Work hooks started early (`Hook.begin`), by hook name.
    begun: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def existing(cls, path: Path) -> Project:
        """An owner's project, as its `.copier-answers.yml` describes it."""
        return cls(path, recorded_answers(path))

    @property
    def package(self) -> str:
        return str(self.answers["package_name"])

    def record(self, answers: dict[str, Any]) -> None:
        """Keep new answers; `render` writes them into the files."""
        self.answers.update(answers)
        self.pending.update(answers)

    def render(self) -> None:
        """Render the project's files from its answers, as they now are."""
        if self.template is not None:
            self.worker.run(render, self.path, self.answers, self.template)
        elif self.pending:
            update_answers(self.path, self.pending)
        self.pending.clear()

    @property
    def template_dir(self) -> Path | None:
        """The template's files, when they are on this machine."""
        return (self.template or template_source()).template_dir
