"""The benchmarks: each pits one of our operations against the plain version of the same work.

Every case runs on the generated workspace, bound to a function on the local endpoint. Baselines
use only the standard library and bare boto3 calls, on exactly the files the package holds.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import shutil
import time
import zipfile
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Dict, List, Tuple

from measure import Action, Comparison, Trial, compare_peak_memory, compare_times
from sample_tree import generate_tree

from lambda_editor.deploy import deploy_workspace
from lambda_editor.logs import EventLedger, read_events
from lambda_editor.packaging.builder import BuiltPackage, PackageBuilder, build_package
from lambda_editor.packaging.extract import extract_package
from lambda_editor.packaging.manifest import Manifest
from lambda_editor.sandbox import Sandbox, ensure_role
from lambda_editor.workspace import Binding, Workspace

OURS_FUNCTION = "bench-ours"
BASELINE_FUNCTION = "bench-baseline"
EDITED_FILE = ("src", "pkg_00", "module_000.py")
LOG_GROUP = "/aws/lambda/bench-logs"
LOG_STREAMS, LOG_EVENTS_PER_STREAM = 5, 1000
# What package.ALWAYS_EXCLUDED leaves out, spelled the plain way.
_PLAIN_EXCLUDED_FOLDERS = frozenset({".lambda-editor", ".git", "__pycache__"})
_PLAIN_EXCLUDED_SUFFIXES = (".pyc", ".DS_Store")
_YEAR_2000 = 946_684_800  # seconds since the epoch


@dataclass(frozen=True)
class Setup:
    workspace: str  # the generated tree, bound to OURS_FUNCTION
    scratch: str  # room for extractions
    zip_path: str  # the tree's package, for extraction
    package: BuiltPackage  # the first build, to describe the tree
    client: Any  # boto3 Lambda client of the local endpoint
    sandbox: Sandbox

    def client_of(self, service: str) -> Any:
        return self.sandbox.client(service)


def prepare(scratch: str, sandbox: Sandbox) -> Setup:
    """Generate the tree, create both functions with its package and bind the workspace."""
    root = os.path.join(scratch, "workspace")
    generate_tree(root)
    package = build_package(root)
    _check_baselines_see(root, package.manifest)
    zip_path = os.path.join(scratch, "package.zip")
    with open(zip_path, "wb") as sink:
        sink.write(package.data)
    client = sandbox.client()
    role = ensure_role(sandbox.url, sandbox.region)
    configuration = _create_function(client, role, OURS_FUNCTION, package.data)
    _create_function(client, role, BASELINE_FUNCTION, package.data)
    binding = Binding.from_configuration(configuration, None, sandbox.url)
    Workspace.create(root, binding, package.manifest)
    return Setup(root, scratch, zip_path, package, client, sandbox)


def _create_function(client: Any, role: str, name: str, code: bytes) -> Dict[str, Any]:
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code},
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    configuration: Dict[str, Any] = client.get_function_configuration(FunctionName=name)
    return configuration


def _check_baselines_see(root: str, manifest: Manifest) -> None:
    if [rel_path for _, rel_path in _plain_files(root)] != sorted(manifest):
        raise RuntimeError("The baselines would not read the same files as the package holds.")


# --- the cases --------------------------------------------------------------------------------


def no_op_save_check(setup: Setup, runs: int) -> List[Comparison]:
    """A save that changes nothing: our stat-cached check against hashing every file."""
    ours = _unprepared(partial(_check_nothing_to_deploy, setup.workspace))
    baseline = _unprepared(partial(_hash_every_file, setup.workspace))
    return [compare_times("no-op save check", ours, baseline, runs)]


def cold_build(setup: Setup, runs: int) -> List[Comparison]:
    """A first build (nothing cached, files compressed in parallel) against a plain ZipFile."""

    checkouts = itertools.count(1)

    def ours() -> Action:
        _touch_every_file(setup.workspace, next(checkouts))
        return PackageBuilder(setup.workspace).build

    baseline = _unprepared(partial(_plain_zip, setup.workspace))
    return [
        compare_times("cold build", ours, baseline, runs),
        compare_peak_memory("cold build", ours, baseline),
    ]


def warm_build(setup: Setup, runs: int) -> List[Comparison]:
    """A build after a one-file edit, reusing the other files' compressed bytes: the save case."""
    edit = _editor(setup.workspace)

    def ours() -> Action:
        edit()
        return partial(build_package, setup.workspace)

    baseline = _unprepared(partial(_plain_zip, setup.workspace))
    return [
        compare_times("warm build", ours, baseline, runs),
        compare_peak_memory("warm build", ours, baseline),
    ]


def extraction(setup: Setup, runs: int) -> List[Comparison]:
    """Our checked extraction (modes, links, size limit, manifest) against `extractall`.

    Half the runs: each creates the whole tree, the slowest thing here on most disks.
    """
    destination = os.path.join(setup.scratch, "extracted")

    def into_empty_destination(extract: Action) -> Trial:
        def trial() -> Action:
            shutil.rmtree(destination, ignore_errors=True)
            return extract

        return trial

    ours = into_empty_destination(partial(extract_package, setup.zip_path, destination))
    baseline = into_empty_destination(partial(_plain_extract, setup.zip_path, destination))
    return [
        compare_times("extraction", ours, baseline, (runs + 1) // 2),
        compare_peak_memory("extraction", ours, baseline),
    ]


def save_to_deployed(setup: Setup, runs: int) -> List[Comparison]:
    """One edit deployed end to end against a bare upload of the same zip plus one status read.

    compare_times runs ours first in each pair, so the baseline uploads what ours just uploaded.
    """
    recorder = _UploadRecorder(setup.client)
    edit = _editor(setup.workspace)

    def ours() -> Action:
        edit()
        return partial(_deploy, setup.workspace, recorder)

    def baseline() -> Action:
        return partial(_plain_upload, setup.client, BASELINE_FUNCTION, recorder.last_zip)

    return [compare_times("save -> deployed", ours, baseline, runs)]


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
        compare_times("log poll", _unprepared(ours), baseline, runs),
        compare_peak_memory("log poll", _unprepared(ours), baseline),
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
    edited = os.path.join(root, *EDITED_FILE)
    edits = itertools.count()

    def edit() -> None:
        with open(edited, "a", encoding="utf-8") as sink:
            sink.write(f"# edit {next(edits)}\n")

    return edit


# --- ours -------------------------------------------------------------------------------------


def _check_nothing_to_deploy(root: str) -> None:
    changes = Workspace.load(root).undeployed_changes()
    if changes:
        raise RuntimeError(f"The workspace changed under the benchmark: {changes.summary()}.")


def _deploy(root: str, client: Any) -> None:
    if not deploy_workspace(root, client=client).deployed:
        raise RuntimeError("The edit was not deployed.")


# --- baselines --------------------------------------------------------------------------------


def _touch_every_file(root: str, checkout: int) -> None:
    """Give every file a modification time it never had, as a checkout does: no hash is known."""
    stamp_ns = (_YEAR_2000 + checkout) * 1_000_000_000  # zips take no time before 1980
    for path, _rel_path in _plain_files(root):
        os.utime(path, ns=(stamp_ns, stamp_ns))


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


def _plain_extract(zip_path: str, destination: str) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(destination)


def _plain_log_read(logs: Any, start: int) -> List[Any]:
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=LOG_GROUP, startTime=start
    )
    return [event for page in pages for event in page["events"]]


def _plain_upload(client: Any, name: str, data: bytes) -> None:
    client.update_function_code(FunctionName=name, ZipFile=data)
    client.get_function_configuration(FunctionName=name)
