"""Build hook: ship every template release inside the package.

`copier update` needs the template of the version a project was made from;
the wheel carries them all as one git bundle (`generator/_history.py`), made
here from the checkout's release tags. An sdist carries the bundle made
when it was built, for wheels built from it without git.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

WHEEL_PATH = "generator/_bundled/history.bundle"


class HistoryBundle(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        sys.path.insert(0, str(root))
        from generator._history import HISTORY_BUNDLE_NAME, write_bundle

        shipped = root / HISTORY_BUNDLE_NAME
        bundle = shipped
        if (root / ".git").exists():
            self._scratch = tempfile.mkdtemp(prefix="mljet-build-")
            bundle = Path(self._scratch) / HISTORY_BUNDLE_NAME
            if not write_bundle(root, bundle):
                return
        elif not shipped.is_file():
            return
        target = WHEEL_PATH if self.target_name == "wheel" else HISTORY_BUNDLE_NAME
        build_data["force_include"][str(bundle)] = target

    def finalize(self, version: str, build_data: dict[str, Any], artifact: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
