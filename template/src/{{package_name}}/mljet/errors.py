# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""Client errors: what went wrong with a request, in a JSON-ready form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_REPORTED_PROBLEMS = 100
# A one-line error names this many problems, then stops.
MAX_PROBLEMS_IN_TEXT = 20


@dataclass(frozen=True)
class Problem:
    """One offending value: which instance (by position) and which field."""

    message: str
    instance: int | None = None
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.instance is not None:
            body["instance"] = self.instance
        if self.field is not None:
            body["field"] = self.field
        return body


@dataclass
class ClientError(Exception):
    """A request the service refuses; always answered with a 4xx status."""

    status: int
    code: str
    message: str
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }
        if self.problems:
            error["details"] = [p.to_json() for p in self.problems]
        return {"error": error}

    def as_text(self, field_word: str) -> str:
        """The message and its first problems in one line, for protocols
        whose errors are a string: `field_word` names what a field is."""
        if not self.problems:
            return self.message
        shown = []
        for problem in self.problems[:MAX_PROBLEMS_IN_TEXT]:
            where = [f"{field_word} {problem.field}"] if problem.field else []
            if problem.instance is not None:
                where.append(f"row {problem.instance}")
            shown.append(f"{', '.join(where) or 'request'}: {problem.message}")
        return f"{self.message}: {'; '.join(shown)}"


def invalid_instances(problems: list[Problem], total: int) -> ClientError:
    """The 422 raised when values of some instances do not fit the schema."""
    shown = problems[:MAX_REPORTED_PROBLEMS]
    instances = sorted({p.instance for p in problems if p.instance is not None})
    more = "" if len(problems) <= len(shown) else f" (first {len(shown)} shown)"
    return ClientError(
        422,
        "invalid_instances",
        f"{len(problems)} problem(s) in {len(instances)} of {total} instance(s)"
        f"{more}",
        shown,
    )


# What a request gets once the service has begun to shut down.
SHUTTING_DOWN = ClientError(503, "shutting_down", "the service is shutting down")
# What a prediction gets before the model is loaded.
NOT_READY = ClientError(503, "not_ready", "the service is starting")


def body_too_large(max_bytes: int) -> ClientError:
    """The 413 for a body over the limit, from the edge or the core."""
    return ClientError(413, "body_too_large", f"the body exceeds {max_bytes} bytes")
