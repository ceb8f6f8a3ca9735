"""The main job, headless, against the embedded local endpoint.

Starts the sandbox with sample functions, pulls one with the command line, changes it, deploys it,
downloads it back from the endpoint to show the change is deployed, invokes it there and locally,
then shows that a deploy over someone else's change is refused.

Run it with `python3 scripts/dev.py demo`.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambda_editor import cli
from lambda_editor.sandbox import Sandbox, seed

FUNCTION = "hello-python"
HANDLER_FILE = "lambda_function.py"


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run_cli(*arguments: str) -> int:
    print("$ python -m lambda_editor " + " ".join(arguments), flush=True)
    return cli.main(list(arguments))


def deployed_handler(sandbox: Sandbox) -> str:
    """The handler file as the endpoint serves it now: GetFunction, then its Code.Location."""
    location = sandbox.client().get_function(FunctionName=FUNCTION)["Code"]["Location"]
    with urllib.request.urlopen(location) as response:  # noqa: S310 - the local endpoint
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    return archive.read(HANDLER_FILE).decode()


def main() -> int:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "sandbox")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "sandbox")
    with Sandbox(update_delay=0.5) as sandbox, tempfile.TemporaryDirectory() as scratch:
        step(f"local endpoint at {sandbox.url}; seeding sample functions")
        print("created:", ", ".join(seed(sandbox.url, sandbox.region)))
        common = ["--endpoint-url", sandbox.url, "--region", sandbox.region]
        common += ["--workspace-root", scratch]

        step("list the functions")
        run_cli(*common, "list")

        step(f"pull {FUNCTION} into its workspace")
        run_cli(*common, "pull", FUNCTION)
        workspace = next(Path(scratch).glob(f"*/*/{FUNCTION}"))
        handler = workspace / HANDLER_FILE

        step("change the handler and deploy")
        handler.write_text(handler.read_text().replace("Hello", "Hello from the demo"))
        if run_cli(*common, "push", str(workspace)) != 0:
            return 1

        step("download it back from the endpoint")
        changed = [line for line in deployed_handler(sandbox).splitlines() if "demo" in line]
        print("deployed:", *changed, sep="\n  ")
        if not changed:
            print("the change is not in the deployed code")
            return 1

        step("invoke the deployed function in the endpoint, then locally")
        run_cli(*common, "invoke", FUNCTION, "--payload", '{"name": "demo"}')
        run_cli(*common, "invoke", FUNCTION, "--local", "--payload", '{"name": "local run"}')

        step("the function's log in CloudWatch Logs, and the function at a glance")
        run_cli(*common, "logs", FUNCTION, "--since", "5m")
        run_cli(*common, "info", str(workspace))

        step("a save with nothing new uploads nothing")
        run_cli(*common, "push", str(workspace))

        step("someone else deploys; our next deploy is refused, nothing is overwritten")
        sandbox.client().update_function_code(
            FunctionName=FUNCTION, ZipFile=_zip_of(workspace, "# someone else's change\n")
        )
        handler.write_text(handler.read_text() + "# our next edit\n")
        status = run_cli(*common, "push", str(workspace))
        print(f"exit status {status} (3: the function changed remotely)")
        return 0 if status == cli.EXIT_REMOTE_CHANGED else 1


def _zip_of(workspace: Path, extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(HANDLER_FILE, (workspace / HANDLER_FILE).read_text() + extra)
    return buffer.getvalue()


if __name__ == "__main__":
    sys.exit(main())
