"""The benchmarks run in the editor's process: each pits one of our operations, measured whole,
against the plain version of the same work.

Every case runs on a generated tree deployed to functions of the local endpoint. Baselines use only
the standard library and bare boto3 calls, on exactly the files the package holds. "A new process"
is one: the step is timed there after its imports (`first_steps`), as a `push` process or a
restarted editor meets the workspace.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from bare_upload import wait_for_update as plain_wait
from first_steps import archive_ready, check_nothing_to_deploy
from measure import (
    MB,
    Action,
    Comparison,
    Target,
    Trial,
    compare_peak_memory,
    compare_times,
    timed_in_process,
)

from lambda_editor.aws import AwsTarget
from lambda_editor.deploy import deploy_workspace
from lambda_editor.logs import EventLedger, read_events
from lambda_editor.packaging.builder import BuiltPackage, PackageBuilder
from lambda_editor.packaging.extract import extract_package
from lambda_editor.packaging.manifest import RACY_WINDOW_NS, Manifest
from lambda_editor.pull import pull_function
from lambda_editor.sandbox import Sandbox, ensure_role
from lambda_editor.updates import wait_for_update

_HERE = Path(__file__).resolve().parent
OURS_FUNCTION = "bench-ours"  # built by us: the workspace saves and pushes deploy to it
FOREIGN_FUNCTION = "bench-foreign"  # zipped by another tool: pulls prove their zip
BASELINE_FUNCTION = "bench-baseline"  # bare uploads
EDITED_FILE = "app.py"
LOG_GROUP = "/aws/lambda/bench-logs"
LOG_STREAMS, LOG_EVENTS_PER_STREAM = 5, 1000
UPDATE_SECONDS = 0.6  # how long the endpoint keeps an update InProgress, as AWS about does
# What package.ALWAYS_EXCLUDED leaves out, spelled the plain way.
_PLAIN_EXCLUDED_FOLDERS = frozenset({".lambda-editor", ".git", "__pycache__"})
_PLAIN_EXCLUDED_SUFFIXES = (".pyc", ".DS_Store")


@dataclass(frozen=True)
class Setup:
    tree: str  # the generated tree, as generated
    workspace: str  # pulled from OURS_FUNCTION: saves and pushes
    pulled: str  # pulled from FOREIGN_FUNCTION: first checks and saves after a pull
    scratch: str  # room for extractions and pulls
    zip_path: str  # the tree's package, for extraction
    package: BuiltPackage  # the tree's package, to describe it
    sandbox: Sandbox
    client: Any  # boto3 Lambda client of the local endpoint
    update_seconds: float  # how long the endpoint keeps an update InProgress

    @property
    def aws_target(self) -> AwsTarget:
        return AwsTarget(None, self.sandbox.region, self.sandbox.url)

    def client_of(self, service: str) -> Any:
        return self.sandbox.client(service)


def prepare(
    scratch: str,
    sandbox: Sandbox,
    generate: Callable[[str], None],
    update_seconds: float = UPDATE_SECONDS,
) -> Setup:
    """Generate the tree, create the functions and pull the workspaces."""
    tree = os.path.join(scratch, "tree")
    generate(tree)
    package = PackageBuilder(tree).build()
    _check_baselines_see(tree, package.manifest)
    zip_path = os.path.join(scratch, "package.zip")
    with open(zip_path, "wb") as sink:
        sink.write(package.data)
    client = sandbox.client()
    role = ensure_role(sandbox.url, sandbox.region)
    _create_function(client, role, OURS_FUNCTION, package.data)
    _create_function(client, role, FOREIGN_FUNCTION, _plain_zip(tree))
    _create_function(client, role, BASELINE_FUNCTION, package.data)
    target = AwsTarget(None, sandbox.region, sandbox.url)
    workspaces = os.path.join(scratch, "workspaces")
    workspace = pull_function(target, OURS_FUNCTION, workspaces).workspace.root
    pulled = pull_function(target, FOREIGN_FUNCTION, workspaces).workspace.root
    return Setup(
        tree, workspace, pulled, scratch, zip_path, package, sandbox, client, update_seconds
    )


def _create_function(client: Any, role: str, name: str, code: bytes) -> None:
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code},
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)


def _check_baselines_see(root: str, manifest: Manifest) -> None:
    if [rel_path for _, rel_path in _plain_files(root)] != sorted(manifest):
        raise RuntimeError("The baselines would not read the same files as the package holds.")


def environment(scratch: str) -> Dict[str, str]:
    """Processes' environment: placeholder credentials, no AWS files of the developer's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    config = os.path.join(scratch, "aws-config")
    Path(config).touch()
    env.update(
        AWS_ACCESS_KEY_ID="benchmark",
        AWS_SECRET_ACCESS_KEY="benchmark",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=config,
        AWS_SHARED_CREDENTIALS_FILE=config,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(_HERE.parent),
    )
    return env


def in_new_process(step: str, root: str, scratch: str) -> Action:
    """One of `first_steps`, timed in a new process after its imports."""
    command = [sys.executable, str(_HERE / "first_steps.py"), step, root]
    return timed_in_process(command, environment(scratch))


def settle() -> None:
    """Let files written just now leave the racy window: their digests are kept from then on."""
    time.sleep(RACY_WINDOW_NS / 1e9)


# --- checks and builds ------------------------------------------------------------------------


def no_op_check(setup: Setup, runs: int) -> List[Comparison]:
    """A save that changes nothing, in the editor: the decision against hashing every file."""
    ours = _unprepared(partial(check_nothing_to_deploy, setup.workspace))
    baseline = _unprepared(partial(_hash_every_file, setup.workspace))
    return [
        compare_times(
            "no-op check",
            ours,
            baseline,
            runs,
            baseline_name="hash every file",
            targets=[Target(50, "ours")],
        )
    ]


def first_no_op_check_after_pull(setup: Setup, runs: int) -> List[Comparison]:
    """The first check of a pulled workspace in a new process: the digests come from its index."""

    def ours() -> Action:
        return in_new_process("check", setup.pulled, setup.scratch)

    baseline = _unprepared(partial(_hash_every_file, setup.pulled))
    return [
        compare_times(
            "first no-op check after a pull, new process",
            ours,
            baseline,
            runs,
            baseline_name="hash every file",
            targets=[Target(50, "ours")],
        )
    ]


def save(setup: Setup, runs: int) -> List[Comparison]:
    """A one-file edit saved in the editor, until the archive and its CodeSha256 are ready.

    Its memory counts what the product keeps between saves: the trial starts from nothing kept,
    saves once (traced), edits, and the save after that edit is measured.
    """
    edit = _editor(setup.workspace)

    def ours() -> Action:
        edit()
        return partial(archive_ready, setup.workspace)

    def ours_with_what_it_keeps() -> Action:
        """A builder that keeps its last zip, made while traced, then a save with it."""
        kept = PackageBuilder(setup.workspace)
        kept.build()
        edit()
        return lambda: kept.build().sha256_b64

    baseline = _unprepared(partial(_plain_archive, setup.workspace))
    return [
        compare_times(
            "save, one-file edit: archive ready",
            ours,
            baseline,
            runs,
            baseline_name="zip every file",
            targets=[Target(150, "ours"), Target(1 / 20)],
        ),
        compare_peak_memory(
            "save, one-file edit (with what is kept)",
            ours_with_what_it_keeps,
            baseline,
            baseline_name="zip every file",
            targets=[Target(setup.package.zipped_size / MB + 64, "ours")],
        ),
    ]


def first_save_after_pull(setup: Setup, runs: int) -> List[Comparison]:
    """The first one-file edit of a pulled workspace: in the editor that pulled it (half the
    runs: each pulls anew), and in a new process, whose entries come from the history."""
    folder = os.path.join(setup.scratch, "pulled-here")

    def pulled_here() -> Action:
        shutil.rmtree(folder, ignore_errors=True)
        root = pull_function(setup.aws_target, FOREIGN_FUNCTION, folder, destination=folder)
        _editor(root.workspace.root)()
        return partial(archive_ready, root.workspace.root)

    edit = _editor(setup.pulled)

    def new_process() -> Action:
        edit()
        return in_new_process("save", setup.pulled, setup.scratch)

    baseline = _unprepared(partial(_plain_archive, setup.pulled))
    return [
        compare_times(
            "first save after a pull: archive ready",
            pulled_here,
            baseline,
            (runs + 1) // 2,
            baseline_name="zip every file",
            targets=[Target(150, "ours")],
        ),
        compare_times(
            "first save after a pull, new process: archive ready",
            new_process,
            baseline,
            runs,
            baseline_name="zip every file",
        ),
    ]


def cold_build(setup: Setup, runs: int) -> List[Comparison]:
    """A build with nothing to reuse (files compressed in parallel) against a plain ZipFile."""

    def ours() -> Action:
        return PackageBuilder(setup.tree).build  # a new builder: nothing to copy from

    baseline = _unprepared(partial(_plain_zip, setup.tree))
    return [
        compare_times(
            "cold build",
            ours,
            baseline,
            runs,
            baseline_name="zipfile",
            targets=[Target(0.6)],
        ),
        compare_peak_memory("cold build", ours, baseline, baseline_name="zipfile"),
    ]


# --- pulls and extraction ---------------------------------------------------------------------


def pull(setup: Setup, runs: int) -> List[Comparison]:
    """A pull of code zipped elsewhere: download, extraction, digests and the build that proves
    the entries it keeps, against GetFunction, a download and `extractall`. Half the runs."""

    def into_new_folder(action: Callable[[str], object]) -> Trial:
        def trial() -> Action:
            folder = os.path.join(setup.scratch, "pulled")
            shutil.rmtree(folder, ignore_errors=True)
            return partial(action, folder)

        return trial

    ours = into_new_folder(partial(_pull, setup))
    baseline = into_new_folder(partial(_plain_pull, setup.client))
    return [
        compare_times(
            "pull", ours, baseline, (runs + 1) // 2, baseline_name="download + extractall"
        )
    ]


def extraction(setup: Setup, runs: int) -> List[Comparison]:
    """Our checked extraction (modes, links, size limit, digests) against `extractall` and unzip.

    Half the runs: each creates the whole tree, the slowest thing here on most disks.
    """
    destination = os.path.join(setup.scratch, "extracted")

    def into_empty_destination(extract: Action) -> Trial:
        def trial() -> Action:
            shutil.rmtree(destination, ignore_errors=True)
            return extract

        return trial

    ours = into_empty_destination(partial(extract_package, setup.zip_path, destination))
    plain = into_empty_destination(partial(_plain_extract, setup.zip_path, destination))
    rows = [
        compare_times(
            "extraction", ours, plain, (runs + 1) // 2, baseline_name="zipfile.extractall"
        ),
        compare_peak_memory("extraction", ours, plain, baseline_name="zipfile.extractall"),
    ]
    if shutil.which("unzip"):
        unzip = into_empty_destination(partial(_unzip, setup.zip_path, destination))
        rows.insert(
            1,
            compare_times(
                "extraction",
                ours,
                unzip,
                (runs + 1) // 2,
                baseline_name="unzip",
                targets=[Target(1.2)],
            ),
        )
    return rows


# --- deploying --------------------------------------------------------------------------------


def update_wait(setup: Setup, runs: int) -> List[Comparison]:
    """The wait for an update to finish, against a poll every 10 ms: at most one interval more."""
    setup.sandbox.update_delay = setup.update_seconds

    def after_an_update(wait: Callable[[Any, str], object]) -> Trial:
        def trial() -> Action:
            setup.client.update_function_code(
                FunctionName=BASELINE_FUNCTION, ZipFile=b"PK\5\6" + bytes(18)
            )
            return partial(wait, setup.client, BASELINE_FUNCTION)

        return trial

    ours = after_an_update(wait_for_update)
    baseline = after_an_update(partial(plain_wait, pause=0.01))
    return [
        compare_times(
            f"wait for an update of {setup.update_seconds} s",
            ours,
            baseline,
            runs,
            baseline_name="poll every 10 ms",
            targets=[Target(100, "over")],
        )
    ]


def save_to_deployed(setup: Setup, runs: int) -> List[Comparison]:
    """One edit deployed end to end, in the editor, against a bare upload of the same zip that
    waits the same way (a status read every 100 ms until the update ends).

    compare_times runs ours first in each pair, so the baseline uploads what ours just uploaded.
    """
    setup.sandbox.update_delay = setup.update_seconds
    recorder = _UploadRecorder(setup.client)
    edit = _editor(setup.workspace)

    def ours() -> Action:
        edit()
        return partial(_deploy, setup.workspace, recorder)

    def baseline() -> Action:
        return partial(_plain_upload, setup.client, BASELINE_FUNCTION, recorder.last_zip)

    return [
        compare_times(
            "save -> deployed",
            ours,
            baseline,
            runs,
            baseline_name="boto3 upload + wait",
            targets=[Target(1.1)],
        )
    ]


def log_poll(setup: Setup, runs: int) -> List[Comparison]:
    """One poll of a running tail over a busy window (5,000 events in 5 streams, several in each
    millisecond, all already shown): reading every page and finding nothing new, against a bare
    read of the same pages."""
    logs = setup.client_of("logs")
    start = _fill_log_group(logs)
    ledger = EventLedger(start)
    shown = ledger.from_window(read_events(logs, LOG_GROUP, start), start)
    if len(shown) != LOG_STREAMS * LOG_EVENTS_PER_STREAM:
        raise RuntimeError(f"The log group holds {len(shown)} events, not the ones written.")

    def ours() -> None:
        if ledger.from_window(read_events(logs, LOG_GROUP, start), start):
            raise RuntimeError("The tail saw an event twice.")

    baseline = _unprepared(partial(_plain_log_read, logs, start))
    return [
        compare_times(
            "log poll", _unprepared(ours), baseline, runs, baseline_name="filter_log_events"
        ),
        compare_peak_memory(
            "log poll", _unprepared(ours), baseline, baseline_name="filter_log_events"
        ),
    ]


def _fill_log_group(logs: Any) -> int:
    """The group's events, 4 a millisecond in each stream; the first one's timestamp (recent:
    CloudWatch Logs refuses events older than 14 days)."""
    start = int(time.time() * 1000) - 60_000
    logs.create_log_group(logGroupName=LOG_GROUP)
    for stream in range(LOG_STREAMS):
        name = f"2024/05/01/[$LATEST]{stream:032x}"
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=name)
        events = [
            {"timestamp": start + index // 4, "message": f"line {index} of stream {stream}\n"}
            for index in range(LOG_EVENTS_PER_STREAM)
        ]
        logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=name, logEvents=events)
    return start


class _UploadRecorder:
    """A Lambda client that keeps the zip of the last code upload passing through it."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.last_zip = b""

    def update_function_code(self, **arguments: Any) -> Any:
        self.last_zip = arguments["ZipFile"]
        return self._client.update_function_code(**arguments)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _unprepared(action: Action) -> Trial:
    return lambda: action


def _editor(root: str) -> Callable[[], None]:
    """Appends a new line to EDITED_FILE at each call, as a save would."""
    edited = os.path.join(root, EDITED_FILE)
    edits = itertools.count()

    def edit() -> None:
        with open(edited, "a", encoding="utf-8") as sink:
            sink.write(f"# edit {next(edits)}\n")

    return edit


# --- ours -------------------------------------------------------------------------------------


def _deploy(root: str, client: Any) -> None:
    if not deploy_workspace(root, client=client).deployed:
        raise RuntimeError("The edit was not deployed.")


def _pull(setup: Setup, folder: str) -> None:
    pull_function(setup.aws_target, FOREIGN_FUNCTION, folder, destination=folder)


# --- baselines --------------------------------------------------------------------------------


def _plain_files(root: str) -> List[Tuple[str, str]]:
    """(absolute path, posix relative path) of each file to package, sorted by relative path."""
    found: List[Tuple[str, str]] = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if name not in _PLAIN_EXCLUDED_FOLDERS]
        for name in names:
            if not name.endswith(_PLAIN_EXCLUDED_SUFFIXES):
                path = os.path.join(folder, name)
                found.append((path, os.path.relpath(path, root).replace(os.sep, "/")))
    return sorted(found, key=lambda item: item[1])


def _hash_every_file(root: str) -> Dict[str, str]:
    digests: Dict[str, str] = {}
    for path, rel_path in _plain_files(root):
        with open(path, "rb") as source:
            digests[rel_path] = hashlib.sha256(source.read()).hexdigest()
    return digests


def _plain_zip(root: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, rel_path in _plain_files(root):
            archive.write(path, rel_path)
    return buffer.getvalue()


def _plain_archive(root: str) -> str:
    return base64.b64encode(hashlib.sha256(_plain_zip(root)).digest()).decode()


def _plain_extract(zip_path: str, destination: str) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(destination)


def _unzip(zip_path: str, destination: str) -> None:
    subprocess.run(["unzip", "-q", zip_path, "-d", destination], check=True)


def _plain_pull(client: Any, folder: str) -> None:
    location = client.get_function(FunctionName=FOREIGN_FUNCTION)["Code"]["Location"]
    os.makedirs(folder)
    archive = os.path.join(folder, "code.zip")
    with urllib.request.urlopen(location) as response, open(archive, "wb") as sink:
        shutil.copyfileobj(response, sink)
    _plain_extract(archive, os.path.join(folder, "code"))


def _plain_log_read(logs: Any, start: int) -> List[Any]:
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=LOG_GROUP, startTime=start
    )
    return [event for page in pages for event in page["events"]]


def _plain_upload(client: Any, name: str, data: bytes) -> None:
    client.update_function_code(FunctionName=name, ZipFile=data)
    plain_wait(client, name)
