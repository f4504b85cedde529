"""The container's health check: exit 0 when /health answers 200 on PORT.

Docker runs `python -m PACKAGE.healthcheck` inside the container; the slim
base image has no curl, and this needs nothing beyond the standard library.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
