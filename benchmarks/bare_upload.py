"""The baseline of a push: a bare boto3 process uploading a zip and waiting for the update.

`python bare_upload.py ENDPOINT FUNCTION ZIP`: what any script deploying these bytes would do,
polling the function's status every 100 ms (as a push does at first) until the update ends.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import boto3

POLL_SECONDS = 0.1


def main(endpoint: str, function: str, zip_path: str) -> None:
    client = boto3.client("lambda", endpoint_url=endpoint)
    with open(zip_path, "rb") as source:
        client.update_function_code(FunctionName=function, ZipFile=source.read())
    wait_for_update(client, function)


def wait_for_update(client: Any, function: str, pause: float = POLL_SECONDS) -> None:
    while True:
        configuration = client.get_function_configuration(FunctionName=function)
        if configuration.get("LastUpdateStatus", "Successful") != "InProgress":
            return
        time.sleep(pause)


if __name__ == "__main__":
    main(*sys.argv[1:4])
