"""The local Lambda endpoint: moto's server, with the gaps filled where moto differs from AWS.

For trying the package, the demo and the tests; never loaded by the Sublime package. Starting a
sandbox needs moto (`pip install 'lambda-editor[sandbox]'`); importing this package does not.
"""

from __future__ import annotations

from .invoke import (
    FunctionLog,
    InvokeHandler,
    InvokeRequest,
    InvokeResponse,
    invocation_not_supported,
)
from .runner import LocalInvoker
from .seed import SAMPLES, client, ensure_role, sample_zip, seed
from .server import Sandbox, serve
from .state import SandboxStats

__all__ = [
    "SAMPLES",
    "FunctionLog",
    "InvokeHandler",
    "InvokeRequest",
    "InvokeResponse",
    "LocalInvoker",
    "Sandbox",
    "SandboxStats",
    "client",
    "ensure_role",
    "invocation_not_supported",
    "sample_zip",
    "seed",
    "serve",
]
