"""Wait for the demo service to be ready, then send it one request."""

from __future__ import annotations

import json
import sys
import time
import urllib.request

base = sys.argv[1]
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(f"{base}/ready", timeout=2) as response:
            if response.status == 200:
                break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the service did not become ready within 60 s")
        time.sleep(0.2)

flower = {
    "sepal_length": 6.1,
    "sepal_width": 2.8,
    "petal_length": 4.7,
    "petal_width": 1.2,
}
body = json.dumps({"instances": [flower]}).encode()
for route in ("predict", "predict_proba"):
    request = urllib.request.Request(
        f"{base}/{route}", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read().decode()
    header = "Content-Type: application/json"
    print(f"curl -s {base}/{route} -H '{header}' -d '{body.decode()}'")
    print(f"  -> {answer}")
