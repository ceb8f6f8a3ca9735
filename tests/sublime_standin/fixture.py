"""The pytest fixture for tests that drive the plugin in the Sublime stand-in.

Use it from a conftest or a test module: `from sublime_standin.fixture import sublime_app`.
"""

from __future__ import annotations

import types
from typing import Iterator

import pytest

from . import harness


@pytest.fixture
def sublime_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[types.ModuleType]:
    """A fresh Sublime (the harness module) with the network guard on.

    At teardown the plugins are unloaded and `harness.check()` runs: a test fails if plugin code
    raised, used the network on the UI thread, ran an unknown command, or left answers unused.
    """
    harness.reset(root=str(tmp_path_factory.mktemp("sublime")))
    harness.enable_network_guard()
    try:
        yield harness
        harness.shutdown()
        harness.check()
    finally:
        harness.disable_network_guard()
        harness.shutdown()
