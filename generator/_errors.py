"""The one exception type the generator raises for a user's mistake."""

from __future__ import annotations


class MljetError(Exception):
    """A problem the user can fix; its message is a complete paragraph.

    The CLI prints the message and exits non-zero; the Python API lets it
    propagate. Anything else escaping the generator is a bug in MLJET.
    """


class HookError(MljetError):
    """A post-generation hook failed after the project was rendered.

    The rendered project is left in place so that the user can inspect it.
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
