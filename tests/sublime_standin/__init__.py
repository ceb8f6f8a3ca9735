"""A stand-in for Sublime Text's plugin API, for testing the package with plain pytest.

`sublime`, `sublime_plugin` and `sublime_types` here have the signatures of `sublime-text-stubs`
(build 4200); `harness` drives them from tests: the test thread is Sublime's UI thread, one worker
thread is its async thread, and dialogs and panels are answered from a script.
"""
