# maintained by MLJET: updates replace this file; make changes outside mljet/.
"""The container's health check: exit 0 when /health answers 200 on PORT.

Docker runs `python -m PACKAGE.mljet.healthcheck` inside the container; the slim
base image has no curl, and this needs nothing beyond the standard library
and the service's settings. With `PROTECT_ALL` on, it sends the first API
key, as a client would.
"""

from __future__ import annotations

import os
import sys
import urllib.request

from .owner import defaults
from .settings import SettingsError, access_rules, given


def main() -> int:
    env = given(os.environ, defaults())
    url = f"http://127.0.0.1:{env.get('PORT', '8000')}/health"
    headers = {}
    try:
        rules = access_rules(env)
    except SettingsError:
        return 1  # the service refuses to start with these settings
    if rules.protect_all and rules.api_keys:
        headers["Authorization"] = f"Bearer {rules.api_keys[0]}"
    try:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
