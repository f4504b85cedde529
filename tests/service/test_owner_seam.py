"""The seam around the model (`src/PACKAGE/mljet/seam.py`), in process; the
owner's edited `prepare` and `finish` over sockets are in `test_seam.py`."""

from __future__ import annotations

from typing import Any

import numpy as np

from conftest import Core


def test_a_prepare_that_changes_nothing_leaves_the_batch_as_read(core: Core) -> None:
    """The template's `prepare` (however renamed or documented) is not
    called: the batch's array goes to the model as read. Any other is given
    the columns, and a batch in another order than the model's is reordered."""
    seam, validation = core.module("seam"), core.module("validation")
    matrix = np.array([[1.0, 2.0], [3.0, np.nan]])
    batch = validation.Batch.of_matrix(matrix, ("a", "b"), True)

    def renamed(rows: Any) -> Any:
        """Documented, and still the template's."""
        return rows

    seen: list[Any] = []

    def watched(columns: Any) -> Any:
        seen.append(dict(columns))
        return columns

    untouched = seam.Seam(prepare=renamed)
    assert seam.Seam.of(core.owner_module("model")).prepares_nothing
    assert untouched.prepares_nothing
    assert untouched.prepared(batch, ("a", "b")) is batch
    assert untouched.prepared(batch, ("b", "a")).columns == {
        "b": [2.0, None], "a": [1.0, 3.0]
    }  # fmt: skip
    changed = seam.Seam(prepare=watched)
    assert not changed.prepares_nothing
    assert not seam.Seam(prepare=lambda columns: {**columns}).prepares_nothing
    assert changed.prepared(batch, ("a", "b")).columns == {
        "a": [1.0, 3.0], "b": [2.0, None]
    }  # fmt: skip
    assert seen == [{"a": [1.0, 3.0], "b": [2.0, None]}]
