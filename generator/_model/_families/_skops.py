"""Storing scikit-learn models with skops instead of pickle, where it can.

skops refuses to load a type it does not trust unless the loader names it.
MLJET names the ones it has reviewed: scikit-learn's own classes (the
service runs scikit-learn anyway, and skops rebuilds them from their state
without calling code named in the file) and a few numpy types. A function,
or a class from any other module, is never trusted: such a model stays a
pickle, and the service's README says why.
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

REVIEWED_TYPES = frozenset({"numpy.dtype"})
REVIEWED_PACKAGE = "sklearn."


@dataclass(frozen=True)
class SkopsDump:
    """The model in skops' format, or why it cannot be stored that way."""

    data: bytes | None
    trusted_types: tuple[str, ...] = ()
    refusal: str = ""


def dump_with_skops(model: object) -> SkopsDump:
    try:
        import skops.io
    except ModuleNotFoundError:
        return SkopsDump(None, refusal="skops is not installed beside the model")
    try:
        data = skops.io.dumps(model)
    except Exception as error:
        return SkopsDump(
            None, refusal=f"skops cannot write it ({type(error).__name__}: {error})"
        )
    untrusted = tuple(skops.io.get_untrusted_types(data=data))
    unreviewed = [name for name in untrusted if not _reviewed(name)]
    if unreviewed:
        return SkopsDump(
            None,
            refusal=f"it holds {', '.join(unreviewed)}, which skops does not trust "
            "by default and MLJET has not reviewed",
        )
    return SkopsDump(_reproducible(data), untrusted)


def _reproducible(data: bytes) -> bytes:
    """The same archive, byte for byte the same for the same model.

    skops names array entries after object ids and stamps them with the
    time, its schema records object ids, and record arrays carry stray
    padding bytes: all change between runs, and with them the model's
    SHA-256. Entries are renamed in order (and the schema follows), ids are
    numbered in order, padding is zeroed, and every entry is dated
    1980-01-01, zip's earliest date. Entries are compressed too: skops
    stores them as they are, twice the size of a pickle for a forest.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    names = {
        info.filename: f"{index}{info.filename[info.filename.rfind('.'):]}"
        for index, (info, _) in enumerate(entries)
        if info.filename != "schema.json"
    }
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info, content in entries:
            name = names.get(info.filename, info.filename)
            if name == "schema.json":
                schema = _renamed(json.loads(content), names, {})
                content = json.dumps(schema, sort_keys=True).encode()
            elif name.endswith(".npy"):
                content = _zeroed_padding(content)
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return output.getvalue()


def _zeroed_padding(content: bytes) -> bytes:
    """A record array's bytes with the padding between its fields zeroed.

    scikit-learn's tree nodes are such records, and their padding holds
    whatever the memory held before, different on every load.
    """
    import numpy as np

    array = np.load(io.BytesIO(content), allow_pickle=False)
    if array.dtype.names is None:
        return content
    clean = np.zeros(array.shape, dtype=array.dtype)
    for field in array.dtype.names:
        clean[field] = array[field]
    output = io.BytesIO()
    np.save(output, clean, allow_pickle=False)
    return output.getvalue()


def _renamed(node: Any, names: dict[str, str], ids: dict[int, int]) -> Any:
    """`node` with archive members renamed and object ids numbered in order.

    skops uses `__id__` only to tell shared objects apart, so any numbering
    that keeps equal ids equal loads the same model.
    """
    if isinstance(node, dict):
        renamed: dict[str, Any] = {}
        for key, value in node.items():
            if key == "file" and isinstance(value, str):
                renamed[key] = names.get(value, value)
            elif key == "__id__" and isinstance(value, int):
                renamed[key] = ids.setdefault(value, len(ids))
            else:
                renamed[key] = _renamed(value, names, ids)
        return renamed
    if isinstance(node, list):
        return [_renamed(item, names, ids) for item in node]
    return node


def _reviewed(name: str) -> bool:
    """Whether `name` is a reviewed type: a scikit-learn class, not a function."""
    if name in REVIEWED_TYPES:
        return True
    if not name.startswith(REVIEWED_PACKAGE):
        return False
    module, _, attribute = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return False
    return isinstance(found, type)
