"""What a service promises its clients, and how a new model would break it.

A service's contract is in its answers: the features a request carries
(their names, kinds, order for array models, whether null is accepted, a
closed category's values), the task, the classes it answers with, and
the methods it serves. Swapping in a retrained model keeps the service
as its clients know it only when the new model's contract accepts every
request the old one did and answers in the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def contract_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Each way `new`'s contract breaks `old`'s, one line each, for a person."""
    differences = _feature_differences(old, new)
    if old.get("model_input") != new.get("model_input"):
        differences.append(
            f"instances were {_input_form(old)} and would be {_input_form(new)}"
        )
    if old.get("task") != new.get("task"):
        differences.append(f"the task was {old.get('task')}, now {new.get('task')}")
    if list(old.get("classes", [])) != list(new.get("classes", [])):
        differences.append(
            f"the classes were {old.get('classes')}, now {new.get('classes')}"
        )
    lost = [m for m in old.get("methods", []) if m not in new.get("methods", [])]
    if lost:
        differences.append(
            "the new model has no " + ", ".join(lost) + ": those routes would go"
        )
    return differences


def _feature_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    before = {f["name"]: f for f in old.get("features", [])}
    after = {f["name"]: f for f in new.get("features", [])}
    differences = [f"feature '{n}' added" for n in after if n not in before]
    differences += [f"feature '{n}' removed" for n in before if n not in after]
    for name in (n for n in before if n in after):
        was, now = before[name], after[name]
        if was["kind"] != now["kind"]:
            differences.append(f"feature '{name}' was {was['kind']}, now {now['kind']}")
            continue
        if was.get("nullable") and not now.get("nullable"):
            differences.append(f"feature '{name}' no longer accepts null")
        if now["kind"] == "category":
            gone = [v for v in was.get("categories", []) if v not in now["categories"]]
            if gone:
                shown = ", ".join(repr(v) for v in gone[:5])
                more = f" and {len(gone) - 5} more" if len(gone) > 5 else ""
                differences.append(f"feature '{name}' no longer accepts {shown}{more}")
    # An array instance is positional: the same names in another order
    # would feed each value to another feature.
    positional = new.get("model_input") == "array" and not differences
    if positional and list(before) != list(after):
        differences.append(
            f"features reordered: {', '.join(before)} -> {', '.join(after)}"
        )
    return differences


def _input_form(answers: Mapping[str, Any]) -> str:
    return (
        "objects by feature name"
        if answers.get("model_input") == "frame"
        else ("arrays in feature order")
    )
