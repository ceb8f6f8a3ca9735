"""Lambda Editor for Sublime Text: loads the adapter, nothing else.

Sublime finds commands, listeners and `plugin_loaded` / `plugin_unloaded` in this module's
namespace; the adapter's `__all__` lists them.
"""

from __future__ import annotations

from .lambda_editor.sublime_adapter import *  # noqa: F403
