"""`Sandbox`: a local Lambda endpoint on 127.0.0.1, and `serve`, which runs one until Ctrl-C.

moto's server runs in-process on a daemon thread behind `SandboxApp`, which fills the gaps where
moto differs from AWS (see `middleware`). moto is an optional extra: it is imported when a sandbox
starts, never when this package is imported.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, TextIO, Tuple, Type

from ..errors import LambdaEditorError
from .faults import Faults
from .invoke import FunctionLog, InvokeHandler
from .roles import RolePropagation
from .runner import LocalInvoker
from .seed import client
from .seed import seed as seed_functions
from .state import FunctionRegistry, LiveTailTiming, SandboxStats

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from .backend import MotoBackend

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


class _SharedMoto:
    """moto keeps its state in module globals, shared by every server in the process: the first
    sandbox to start clears what an earlier one left, sandboxes running together share it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0

    def enter(self, moto: Any) -> None:
        with self._lock:
            if self._users == 0:
                moto.reset()
            self._users += 1

    def leave(self) -> None:
        with self._lock:
            self._users -= 1


_shared_moto = _SharedMoto()


class Sandbox:
    """A local Lambda endpoint that answers like AWS where moto alone does not.

    Any credentials are accepted. `update_delay` is how long an update stays InProgress; it may
    be changed while the sandbox runs (it applies to the next update). Invoke runs the function's
    deployed Python code in this process's interpreter (`runner.LocalInvoker`) unless another
    `invoke_handler` is given; each run's log also goes to the endpoint's CloudWatch Logs, where
    Live Tail follows it (`live_tail` sets its pace).
    `role_propagation_delay` is how long a new IAM role cannot be used to create a function.
    """

    def __init__(
        self,
        port: int = 0,
        update_delay: float = 0.5,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        invoke_handler: Optional[InvokeHandler] = None,
        *,
        role_propagation_delay: float = 0.0,
    ) -> None:
        self.port = port
        self.update_delay = update_delay
        self.account_id = account_id
        self.region = region
        self._registry = FunctionRegistry(lambda: self.update_delay)
        self._roles = RolePropagation(role_propagation_delay)
        # Errors, lost and late answers planned for the next requests (tests).
        self.faults = Faults()
        self._local_invoker = LocalInvoker(
            self._registry.count_run, self._write_log, layer_zip=self._layer_zip
        )
        # Called for every accepted Invoke of an existing function; replaceable while running.
        self.invoke_handler: InvokeHandler = invoke_handler or self._local_invoker
        self.live_tail = LiveTailTiming()
        self._closing = threading.Event()
        self._moto: Optional[MotoBackend] = None
        self._server: Optional[BaseWSGIServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        """The endpoint URL, e.g. http://127.0.0.1:54321."""
        if self._server is None:
            raise LambdaEditorError("The sandbox is not running.", "Start it first.")
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> str:
        """Start serving (once) and return the URL."""
        if self._server is not None:
            return self.url
        _require_moto()
        _check_account(self.account_id)
        from .backend import MotoBackend, bind  # noqa: PLC0415 - needs moto, checked above
        from .live_tail import LiveTail  # noqa: PLC0415 - likewise
        from .middleware import SandboxApp  # noqa: PLC0415 - likewise
        from .schemas import SchemaRegistries  # noqa: PLC0415 - likewise (werkzeug)

        moto = MotoBackend()
        self._closing.clear()
        live_tail = LiveTail(moto, self.live_tail, self._closing)
        app = SandboxApp(
            moto,
            self._registry,
            self.account_id,
            self.region,
            self._handler,
            live_tail=live_tail,
            schemas=SchemaRegistries(),
            roles=self._roles,
            faults=self.faults,
        )
        try:
            server = bind(app, self.port)
        except OSError as exc:
            raise LambdaEditorError(
                f"Could not start the sandbox on 127.0.0.1:{self.port}: {exc.strerror or exc}.",
                "Pick another port, or 0 for a free one.",
            ) from exc
        _shared_moto.enter(moto)
        self._moto = moto
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="lambda-editor-sandbox", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and free the port. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        self._closing.set()  # open Live Tail streams end
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        self._moto = None
        self._local_invoker.close()
        _shared_moto.leave()

    def wait(self) -> None:
        """Block until the sandbox stops; Ctrl-C (KeyboardInterrupt) still gets through."""
        while self._thread is not None and self._thread.is_alive():
            # A timed join, because an untimed one cannot be interrupted on Windows.
            self._thread.join(0.5)

    def fail_next_update(
        self, function_name: str, reason: str, reason_code: str = "InternalError"
    ) -> None:
        """Make the next code or configuration update of the function end `Failed`."""
        self._registry.plan_failure(function_name, reason, reason_code)

    @property
    def role_propagation_delay(self) -> float:
        """How long CreateFunction refuses a role after CreateRole, as IAM's propagation does."""
        return self._roles.delay

    @role_propagation_delay.setter
    def role_propagation_delay(self, seconds: float) -> None:
        self._roles.delay = seconds

    @property
    def stats(self) -> SandboxStats:
        """Requests received and code runs started so far, per function name."""
        return self._registry.stats()

    def reset_stats(self) -> None:
        self._registry.reset_stats()

    def client(self, service: str = "lambda") -> Any:
        """A boto3 client for this endpoint, with placeholder credentials."""
        return client(self.url, service, self.region)

    def _handler(self) -> InvokeHandler:
        return self.invoke_handler

    def _layer_zip(self, arn: str) -> Optional[Tuple[bytes, str]]:
        moto = self._moto
        return moto.layer_zip(arn) if moto is not None else None

    def _write_log(self, log: FunctionLog) -> None:
        moto = self._moto
        if moto is not None:  # a run that outlives the sandbox has nowhere to write
            moto.write_log(log)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()


def serve(port: int, seed: bool, out: TextIO) -> None:
    """Run a sandbox until Ctrl-C.

    The first line written to `out` is the endpoint URL; with `seed`, the names of the sample
    functions follow, one a line.
    """
    with Sandbox(port=port) as sandbox:
        try:
            _say(out, sandbox.url)
            if seed:
                for name in seed_functions(sandbox.url, sandbox.region):
                    _say(out, name)
            sandbox.wait()
        except KeyboardInterrupt:
            return


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


# moto's server pieces the sandbox builds on: `MotoRequestHandler` is in moto from 5.2.5.
MOTO_NEEDED = (5, 2, 5)
_MOTO_SPEC = "moto[server]>=5.2.5,<5.3"


def _require_moto() -> None:
    """moto, new enough: an older one would fail deep in the server with an ImportError."""
    try:
        import moto.moto_server.werkzeug_app as server  # noqa: PLC0415
    except ImportError as exc:
        raise LambdaEditorError(
            f"The sandbox needs moto, which cannot be imported here ({exc}).",
            "Install it: pip install 'lambda-editor[sandbox]'",
        ) from exc
    installed = _moto_version()
    if not hasattr(server, "MotoRequestHandler") or _release(installed) < MOTO_NEEDED:
        raise LambdaEditorError(
            f"The sandbox needs moto {'.'.join(map(str, MOTO_NEEDED))} or newer; this Python "
            f"has moto {installed}.",
            f"Upgrade it: pip install --upgrade '{_MOTO_SPEC}'",
        )


def _moto_version() -> str:
    try:
        return importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:  # imported from a source tree
        return "of an unknown version"


def _release(version: str) -> Tuple[int, ...]:
    """(5, 2, 5) from "5.2.5", "5.2.5.dev3" or "5.2.5rc1"; () when there is no number."""
    numbers = re.match(r"\d+(\.\d+)*", version)
    return tuple(int(part) for part in numbers.group(0).split(".")) if numbers else ()


def _check_account(account_id: str) -> None:
    # moto prefers MOTO_ACCOUNT_ID over the account the sandbox asks for; both must agree.
    forced = os.environ.get("MOTO_ACCOUNT_ID")
    if forced and forced != account_id:
        raise LambdaEditorError(
            f"MOTO_ACCOUNT_ID is {forced}, but the sandbox was asked for account {account_id}.",
            "Unset MOTO_ACCOUNT_ID or start the sandbox with that account.",
        )
