"""What a pickle would import, read from its opcodes without unpickling it.

Unpickling imports every global the stream names and may call it, so a
model file from elsewhere can run any command. This module walks the
opcodes with `pickletools.genops` and collects the globals instead,
following joblib's format: its compressed containers, and the raw array
bytes (or nested pickles, for object arrays) it writes between opcodes.
A small stack machine keeps just enough of the values to know how many
bytes each joblib array occupies; nothing is ever imported or called.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import math
import pickletools
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from .._base._errors import MljetError

# Globals that run commands, evaluate code or reach the file system or the
# network when called: a model never needs them.
DANGEROUS_MODULES = frozenset(
    {
        "os", "posix", "nt", "subprocess", "pty", "sys", "shutil", "socket",
        "importlib", "runpy", "webbrowser", "ctypes", "multiprocessing", "code",
        "codeop", "pdb", "pickle", "_pickle", "marshal", "types", "asyncio",
        "signal", "tempfile", "pathlib", "io", "_io", "urllib", "http", "ftplib",
        "smtplib", "telnetlib", "requests", "httpx",
    }
)  # fmt: skip
DANGEROUS_BUILTINS = frozenset(
    {
        "eval", "exec", "compile", "open", "__import__", "input", "breakpoint",
        "getattr", "setattr", "delattr", "globals", "locals", "vars", "exit",
        "quit", "help", "memoryview", "__build_class__",
    }
)  # fmt: skip
DANGEROUS_NAMES = frozenset(
    {
        ("operator", "attrgetter"),
        ("operator", "methodcaller"),
        ("functools", "reduce"),
        # Each unpickles bytes of its own (torch's format), which no scan
        # of this stream reads.
        ("torch", "load"),
        ("torch.serialization", "load"),
        ("torch.storage", "_load_from_bytes"),
    }
)
ARRAY_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")


@dataclass(frozen=True)
class PickleScan:
    """The globals a pickle names, as (module, qualified name) pairs."""

    globals: frozenset[tuple[str, str]]

    @property
    def modules(self) -> frozenset[str]:
        """Top-level modules the pickle imports."""
        return frozenset(module.split(".")[0] for module, _ in self.globals)

    @property
    def dangerous(self) -> list[str]:
        return sorted(
            f"{module}.{name}"
            for module, name in self.globals
            if _is_dangerous(module, name)
        )


# What pickletools says of a pickle that stops short, and what we say.
TRUNCATION_SIGNS = (
    "exhausted before seeing STOP",
    "not enough data in stream",
    "remain",  # expected N bytes in a ..., but only M remain
    "no newline found",
)
TRUNCATED = (
    "it ends before the pickle does, so it is truncated: an interrupted save, "
    "copy or download?"
)


def scan_model_file(path: Path) -> PickleScan:
    """Scan a pickle or joblib file; MljetError saying why it cannot be read."""
    try:
        with _open_decompressed(path) as stream:
            found: set[tuple[str, str]] = set()
            _scan_stream(stream, found)
    except MljetError:
        raise
    except Exception as error:
        if isinstance(error, EOFError) or any(
            sign in str(error) for sign in TRUNCATION_SIGNS
        ):
            raise MljetError(TRUNCATED) from None
        # Bytes that are not a pickle fail in many ways (ValueError,
        # UnicodeDecodeError, IndexError, ...): all mean the same here.
        raise MljetError(f"{type(error).__name__}: {error}") from None
    return PickleScan(frozenset(found))


def _is_dangerous(module: str, name: str) -> bool:
    top = module.split(".")[0]
    if top in DANGEROUS_MODULES:
        return True
    if module in {"builtins", "__builtin__"}:
        return name in DANGEROUS_BUILTINS
    return (module, name) in DANGEROUS_NAMES


def _open_decompressed(path: Path) -> IO[bytes]:
    """The file, decompressed as joblib would for its compressed formats."""
    with path.open("rb") as probe:
        magic = probe.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\xfd7zXZ") or magic.startswith(b"]\x00\x00"):
        return lzma.open(path, "rb")
    if magic[:1] == b"x" and magic[1:2] in {b"\x01", b"\x5e", b"\x9c", b"\xda"}:
        return io.BytesIO(zlib.decompress(path.read_bytes()))
    if magic.startswith(b"ZF"):
        raise MljetError(
            "it uses joblib's pre-0.10 compressed format; load it with joblib "
            "and save it again with a current version."
        )
    return path.open("rb")


@dataclass
class _Global:
    module: str
    name: str


@dataclass
class _Call:
    """The result of calling a global: never computed, only remembered."""

    func: Any
    args: Any
    state: Any = None


@dataclass
class _Machine:
    stack: list[Any] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)
    memo: dict[int, Any] = field(default_factory=dict)

    def pop_mark(self) -> list[Any]:
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items


_MARK_POPPERS = {"TUPLE", "LIST", "DICT", "APPENDS", "SETITEMS", "ADDITEMS",
                 "FROZENSET", "OBJ", "INST", "POP_MARK"}  # fmt: skip


def _scan_stream(stream: IO[bytes], found: set[tuple[str, str]]) -> None:
    """Walk one pickle up to its STOP, skipping joblib's raw array data."""
    machine = _Machine()
    for opcode, arg, _ in pickletools.genops(stream):
        name = opcode.name
        if name in {"GLOBAL", "INST"}:
            module, qualname = str(arg).split(" ", 1)
            found.add((module, qualname))
            if name == "GLOBAL":
                machine.stack.append(_Global(module, qualname))
                continue
        if name == "STACK_GLOBAL":
            qualname, module = machine.stack.pop(), machine.stack.pop()
            if not (isinstance(module, str) and isinstance(qualname, str)):
                raise MljetError("a global is named by computed values")
            found.add((module, qualname))
            machine.stack.append(_Global(module, qualname))
            continue
        if name == "BUILD":
            state = machine.stack.pop()
            target = machine.stack[-1]
            if isinstance(target, _Call):
                target.state = state
                if _is_array_wrapper(target):
                    _skip_array(stream, state, found)
            continue
        _step(machine, name, arg)


def _step(machine: _Machine, name: str, arg: Any) -> None:
    """Apply one opcode to the stack, keeping values only as far as needed."""
    stack = machine.stack
    if name == "MARK":
        machine.marks.append(len(stack))
    elif name in _MARK_POPPERS:
        items = machine.pop_mark()
        if name == "TUPLE":
            stack.append(tuple(items))
        elif name == "LIST":
            stack.append(list(items))
        elif name == "DICT":
            stack.append(_pairs(items))
        elif name == "APPENDS" and isinstance(stack[-1], list):
            stack[-1].extend(items)
        elif name == "SETITEMS" and isinstance(stack[-1], dict):
            stack[-1].update(_pairs(items))
        elif name in {"FROZENSET", "OBJ", "INST"}:
            stack.append(_Call(None, tuple(items)))
    elif name in {"TUPLE1", "TUPLE2", "TUPLE3"}:
        size = int(name[-1])
        items = stack[-size:]
        del stack[-size:]
        stack.append(tuple(items))
    elif name == "EMPTY_TUPLE":
        stack.append(())
    elif name == "EMPTY_LIST":
        stack.append([])
    elif name == "EMPTY_DICT":
        stack.append({})
    elif name == "EMPTY_SET":
        stack.append(_Call(None, ()))
    elif name == "APPEND":
        value = stack.pop()
        if isinstance(stack[-1], list):
            stack[-1].append(value)
    elif name == "SETITEM":
        value, key = stack.pop(), stack.pop()
        if isinstance(stack[-1], dict):
            stack[-1][_key(key)] = value
    elif name in {"REDUCE", "NEWOBJ"}:
        args, func = stack.pop(), stack.pop()
        stack.append(_Call(func, args))
    elif name == "NEWOBJ_EX":
        _, args, cls = stack.pop(), stack.pop(), stack.pop()
        stack.append(_Call(cls, args))
    elif name in {"PUT", "BINPUT", "LONG_BINPUT"}:
        machine.memo[int(arg)] = stack[-1]
    elif name == "MEMOIZE":
        machine.memo[len(machine.memo)] = stack[-1]
    elif name in {"GET", "BINGET", "LONG_BINGET"}:
        stack.append(machine.memo[int(arg)])
    elif name == "POP":
        stack.pop()
    elif name == "DUP":
        stack.append(stack[-1])
    elif name in {"PERSID", "BINPERSID"}:
        raise MljetError("the pickle refers to persistent objects outside it")
    elif name in {"NONE", "NEWTRUE", "NEWFALSE"}:
        stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
    elif name in {"PROTO", "FRAME", "STOP"}:
        pass
    elif name in {"NEXT_BUFFER", "READONLY_BUFFER"}:
        raise MljetError("the pickle needs out-of-band buffers")
    else:
        # Every remaining opcode pushes its argument (ints, floats, strings,
        # bytes), which is all the stack machine needs to know.
        stack.append(arg)


def _pairs(items: list[Any]) -> dict[Any, Any]:
    return {_key(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def _key(value: Any) -> Any:
    return value if isinstance(value, (str, int, bytes, tuple)) else id(value)


def _is_array_wrapper(call: _Call) -> bool:
    cls = call.func if isinstance(call.func, _Global) else None
    if cls is None and isinstance(call.args, tuple) and call.args:
        cls = call.args[0] if isinstance(call.args[0], _Global) else None
    return cls is not None and (cls.module, cls.name) == ARRAY_WRAPPER


def _skip_array(stream: IO[bytes], state: Any, found: set[tuple[str, str]]) -> None:
    """Step over the array data joblib writes right after its wrapper."""
    if not isinstance(state, dict):
        raise MljetError("a joblib array has no readable description")
    dtype = state.get("dtype")
    if not isinstance(dtype, _Call) or not isinstance(dtype.args, tuple):
        raise MljetError("a joblib array has no readable dtype")
    import numpy

    described = numpy.dtype(str(dtype.args[0]))  # a type code: nothing runs
    if described.hasobject:
        _scan_stream(stream, found)  # object arrays are pickles of their own
        return
    itemsize = described.itemsize
    if state.get("numpy_array_alignment_bytes") is not None:
        padding = stream.read(1)
        stream.read(padding[0])
    shape = state.get("shape", ())
    count = math.prod(int(n) for n in shape) if shape else 1
    _skip(stream, count * itemsize)


def _skip(stream: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, 1 << 24))
        if not chunk:
            raise MljetError(TRUNCATED)
        size -= len(chunk)
