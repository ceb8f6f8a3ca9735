"""Lambda Editor for Sublime Text: loads the adapter, nothing else.

Sublime finds commands, listeners and `plugin_loaded` / `plugin_unloaded` in this module's
namespace; the adapter's `__all__` lists them.

This file alone is written for Python 3.3 as well, the only Python of Sublime Text 3: there the
package says once what it needs, instead of failing with a SyntaxError.
"""

import sys

if sys.version_info < (3, 8):  # noqa: UP036 - Sublime Text 3 runs plugins on Python 3.3

    def plugin_loaded():
        import sublime  # noqa: PLC0415 - the API is ready when plugin_loaded runs

        running = ".".join(str(number) for number in sys.version_info[:2])
        sublime.error_message(
            "Lambda Editor needs Sublime Text 4 (build 4083 or newer), which runs it on "
            "Python 3.8 or newer. This Sublime Text runs it on Python " + running + ", so the "
            "package does nothing here."
        )

else:
    # After an upgrade Sublime reloads only this file: the package's own modules would stay
    # imported from the version before, and their old code would keep running until a restart.
    _OWN = __package__ + ".lambda_editor"
    for _module in [name for name in sys.modules if name == _OWN or name.startswith(_OWN + ".")]:
        del sys.modules[_module]

    from .lambda_editor.sublime_adapter import *  # noqa: F403
