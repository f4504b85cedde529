# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""How many instances a large body holds, counted before it is parsed.

Parsing builds a Python object per value: a 16 MiB body of a million tiny
instances costs about 300 MB and most of a second before the count can be
refused. Counted on the raw bytes instead (every byte but brackets and
quotes dropped in C, strings removed, then the nesting depth of every
bracket at once, in numpy), a body with too many instances is refused for a
fraction of that. A body whose strings are full of brackets is parsed, as
before.
"""

from __future__ import annotations

import re

import numpy as np

# Below this a body is parsed at once: the count would cost more than it saves.
PRESCAN_BYTES = 256 * 1024
ENVELOPE_START = re.compile(rb'\s*\{\s*"instances"\s*:\s*\[')
ENVELOPE_END = re.compile(rb"\]\s*\}\s*\Z")
# What counting needs of the body: its brackets and the quotes around strings.
STRUCTURE = bytes(range(256)).translate(None, b'{}[]"')
STRING = re.compile(rb'"[^"]*"')
# Strings holding brackets are removed one by one; past this many, the body
# is parsed instead.
MOST_BRACKETED_STRINGS = 100_000
# Each byte's step in nesting depth: +1 opening a bracket, -1 closing one.
STEPS = np.zeros(256, np.int8)
STEPS[list(b"{[")] = 1
STEPS[list(b"}]")] = -1


def instances_over(body: bytes, most: int) -> int | None:
    """The number of instances in `body`, if it surely holds more than `most`.

    None when the body is small, could not hold that many (too few
    brackets), or is not exactly `{"instances": [...]}`: then parsing it
    decides, and names what is wrong.
    """
    if len(body) < PRESCAN_BYTES or body.count(b"{") + body.count(b"[") <= most + 2:
        return None
    if not (ENVELOPE_START.match(body) and ENVELOPE_END.search(body)):
        return None
    structure = _structure(body)
    if structure is None:
        return None
    # Inside the instances array ({[ ... ]}), the depth never falls to the
    # envelope's: no other key, no second array.
    count, depth, lowest = _count_openings(np.frombuffer(structure, np.uint8)[2:-2])
    if depth != 0 or lowest < 0:
        return None
    return count if count > most else None


def _structure(body: bytes) -> bytes | None:
    """The body's brackets, outside strings: every other byte dropped, in C.

    None if too many strings hold brackets to drop them cheaply.
    """
    # Escaped backslashes, then escaped quotes: every quote left is a string's.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = unescaped.translate(None, STRUCTURE).replace(b'""', b"")
    if kept.count(b'"') > 2 * MOST_BRACKETED_STRINGS:
        return None
    return STRING.sub(b"", kept) if b'"' in kept else kept


def _count_openings(chars: np.ndarray) -> tuple[int, int, int]:
    """Brackets opened at depth 1 of `chars` (instances, inside the array);
    and the depth at its end and the lowest reached, relative to it."""
    steps = STEPS[chars]
    # int16 holds any depth a parser accepts (orjson stops at 1024).
    depths = np.cumsum(steps, dtype=np.int16)
    count = int(np.count_nonzero((steps == 1) & (depths == 1)))
    lowest = int(depths.min(initial=0))
    return count, int(depths[-1]) if len(depths) else 0, lowest
