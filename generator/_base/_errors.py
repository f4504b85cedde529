"""The exceptions the generator raises for problems a user can fix."""

from __future__ import annotations


class MljetError(Exception):
    """A problem the user can fix; its message is a complete paragraph.

    The CLI prints the message and exits non-zero; the Python API lets it
    propagate. Anything else escaping the generator is a bug in MLJET.
    """


class OptionError(MljetError):
    """An option has a value MLJET cannot use; raised before any work is done.

    `option` is the option's name as `cook()` takes it; each entry point
    names it in its own words (the CLI as `--max-instances`).
    """

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(option, reason)
        self.option = option
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.option}: {self.reason}"


class RequirementsError(MljetError):
    """The service's requirements cannot be pinned from this environment."""


class HookError(MljetError):
    """A post-generation hook (or an artifact's build) failed.

    `project` is where a complete project was left, when one was: only an
    artifact fails after the project is placed.
    """

    def __init__(self, hook: str, reason: str, project: object = None) -> None:
        # All arguments go to Exception so that the error survives pickling
        # on its way back from the rendering worker process.
        super().__init__(hook, reason, project)
        self.hook = hook
        self.reason = reason
        self.project = project

    def __str__(self) -> str:
        where = (
            f" The rendered project was left in {self.project}." if self.project else ""
        )
        return f"post-generation hook '{self.hook}' failed: {self.reason}{where}"
