"""The release checks: the Sublime builds the adapter needs, the shipped archive, one version."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

from lambda_editor import __version__, cli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import release  # noqa: E402
import sublime_api  # noqa: E402

needs_unparse = pytest.mark.skipif(sys.version_info < (3, 9), reason="ast.unparse is 3.9+")


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"lambda-editor {__version__}"


# -- Which builds the adapter needs ---------------------------------------------------------------

STUB = '''
import enum
from typing_extensions import deprecated

class Flags(enum.IntFlag):
    """
    .. since:: 4132 3.8
    """
    OLD = 1
    NEW = 2
    """
    A member added later.

    .. since:: 4096
    """

OLD = Flags.OLD
NEW = Flags.NEW

class Item:
    """
    A row.

    .. since:: 4083
    """

class Window:
    def show(
        self,
        items: list,
        on_select: object,
        placeholder: str | None = ...,
    ) -> None:
        """
        :param items: The items.

            .. since:: 4083
                May be an `Item`.
        :param on_select: Called on selection.

            .. since:: 4096
                A second argument may be passed.
        :param placeholder:
            Text in the input field. :since:`4081`
        """

    def title(self) -> str:
        """
        :returns: The title.

        :since: 4135
        """

def log(flag: bool | None = ...) -> None:
    """
    :param flag: Whether to log. :since:`Passing None toggles logging. <4099>`
    """
'''


def test_a_definition_is_dated_by_its_own_since_line_not_by_a_changed_behaviour() -> None:
    assert sublime_api.definition_build("A row.\n\n.. since:: 4083\n") == 4083
    assert sublime_api.definition_build("\n    Flags.\n\n    .. since:: 4132 3.8\n    ") == 4132
    assert sublime_api.definition_build(":returns: x\n\n:since: 4135") == 4135
    assert sublime_api.definition_build("Member.\n\n.. :since:: 4135\n") == 4135
    changed = "Shows it.\n\n.. since:: 4096\n    Now also an event.\n"
    assert sublime_api.definition_build(changed) is None
    assert sublime_api.definition_build(None) is None


def test_a_parameter_is_dated_by_the_since_role_in_its_own_entry() -> None:
    show_docstring = STUB.split("def show(")[1].split('"""')[1]
    assert sublime_api.parameter_builds(show_docstring) == {"placeholder": 4081}
    log_docstring = STUB.split("def log(")[1].split('"""')[1]
    assert sublime_api.parameter_builds(log_docstring) == {}


@needs_unparse
def test_an_older_build_loses_what_came_later_and_keeps_the_rest() -> None:
    older = sublime_api.stubs_for_build(STUB, 4080)
    assert "@deprecated('added in build 4083')\nclass Item" in older
    assert "@deprecated('added in build 4135')\n    def title" in older
    assert "placeholder: str" not in older
    assert "NEW" not in older  # the member and its module alias
    assert "OLD = Flags.OLD" in older
    assert "@deprecated('added in build 4132')\nclass Flags" in older
    assert "flag: bool | None" in older


@needs_unparse
def test_the_build_that_added_something_keeps_it() -> None:
    same = sublime_api.stubs_for_build(STUB, 4135)
    assert "added in build" not in same
    assert "placeholder: str | None" in same
    assert "NEW = Flags.NEW" in same


def test_an_event_hook_added_after_the_build_is_found(tmp_path: Path) -> None:
    plugin = textwrap.dedent('''
        class EventListener:
            def on_post_save_async(self, view: object) -> None:
                """ Called after a save. """

            def on_exit(self) -> None:
                """
                Called once before the API is unloaded.

                .. since:: 4050
                """

            def on_new_window(self, window: object) -> None:
                """
                Called when a window is created.

                .. since:: 4100
                """
        ''')
    (tmp_path / "listeners.py").write_text(
        textwrap.dedent("""
            import sublime_plugin

            class Saves(sublime_plugin.EventListener):
                def on_post_save_async(self, view): ...
                def on_exit(self): ...
                def on_new_window(self, window): ...
            """)
    )
    assert sublime_api.late_hooks(plugin, 4099, tmp_path) == [
        "listeners.py: Saves.on_new_window: added in build 4100"
    ]
    assert sublime_api.late_hooks(plugin, 4100, tmp_path) == []


def test_a_use_of_something_newer_is_named_with_the_build_that_added_it() -> None:
    reported = (
        "lambda_editor/sublime_adapter/panels.py:12: error: class sublime.QuickPanelItem is "
        "deprecated: added in build 4083  [deprecated]"
    )
    assert sublime_api.lacking(reported) == "sublime.QuickPanelItem (added in build 4083)"
    other = "x.py:1: error: Name 'y' is not defined"
    assert sublime_api.lacking(other) == "Name 'y' is not defined"


def test_every_statement_of_the_minimum_build_agrees(tmp_path: Path) -> None:
    readme, plugin = tmp_path / "README.md", tmp_path / "LambdaEditor.py"
    readme.write_text("Sublime Text 4, build 4083 or newer; builds 4083 to 4204 run Python 3.8.")
    plugin.write_text('message = "needs Sublime Text 4 (build 4050 or newer)"')
    assert sublime_api.statement_problems(4083, (readme, plugin)) == [
        "LambdaEditor.py states [4050] `build NNNN or newer`; the channel entry says 4083"
    ]
    plugin.write_text("")
    assert sublime_api.statement_problems(4083, (readme, plugin)) == [
        "LambdaEditor.py states no `build NNNN or newer`; the channel entry says 4083"
    ]


# -- The Sublime package as Package Control ships it ----------------------------------------------


def package_zip(files: Dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def complete_package() -> Dict[str, bytes]:
    files = {name: b"x" for name in release.PACKAGE_FILES}
    files["messages.json"] = json.dumps(
        {"install": "messages/install.txt", "1.2.3": "messages/1.2.3.txt"}
    ).encode()
    files["messages/install.txt"] = files["messages/1.2.3.txt"] = b"hello"
    files["lambda_editor/cli.py"] = b"x"
    return files


TRACKED = [*release.PACKAGE_FILES, "lambda_editor/cli.py", "lambda_editor/sandbox/server.py"]


def test_a_complete_package_passes() -> None:
    assert release.archive_problems(package_zip(complete_package()), TRACKED, "1.2.3") == []


def test_a_plugin_file_left_out_is_named() -> None:
    files = complete_package()
    del files["lambda_editor/cli.py"], files["messages/1.2.3.txt"]
    assert release.archive_problems(package_zip(files), TRACKED, "1.2.3") == [
        "missing: lambda_editor/cli.py",
        "missing: messages/1.2.3.txt",
    ]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("tests/test_cli.py", "must not ship"),
        ("lambda_editor/sandbox/server.py", "must not ship"),
        ("scripts/dev.py", "must not ship"),
        ("pyproject.toml", "must not ship"),
        ("lambda_editor/__pycache__/cli.cpython-38.pyc", "must not ship"),
        ("Default.sublime-keymap", "reviewers refuse"),
        ("Context.sublime-menu", "reviewers refuse"),
    ],
)
def test_what_must_not_ship_is_named(name: str, problem: str) -> None:
    files = complete_package()
    files[name] = b"x"
    assert release.archive_problems(package_zip(files), TRACKED, "1.2.3") == [f"{problem}: {name}"]


def test_a_package_over_the_size_bound_is_refused() -> None:
    files = complete_package()
    files["lambda_editor/big.bin"] = os.urandom(release.ARCHIVE_LIMIT)
    problems = release.archive_problems(package_zip(files), TRACKED, "1.2.3")
    assert len(problems) == 1
    assert problems[0].endswith(f"over the {release.ARCHIVE_LIMIT // 1024} KB bound")


def test_the_menu_stays_under_tools_and_its_commands_are_in_the_palette() -> None:
    palette = [{"caption": "Lambda: Deploy Now", "command": "lambda_deploy_now"}]
    tools = {"id": "tools", "children": [{"command": "lambda_deploy_now"}]}
    assert release.menu_problems([tools], palette) == []
    hidden = {"id": "tools", "children": [{"children": [{"command": "lambda_secret"}]}]}
    own = {"caption": "Lambda", "id": "lambda", "children": []}
    assert release.menu_problems([hidden, own], palette) == [
        "Main.sublime-menu: a menu of its own at the top (Lambda)",
        "Main.sublime-menu: lambda_secret is not in the command palette",
    ]


# -- The PyPI distributions ------------------------------------------------------------------------

CORE = ["lambda_editor/cli.py", "lambda_editor/event_templates/empty.json"]


def distributions(tmp_path: Path, sdist_names: List[str], wheel_names: List[str]) -> List[Path]:
    sdist, wheel = tmp_path / "lambda_editor-1.2.3.tar.gz", tmp_path / "lambda_editor-1.2.3.whl"
    with tarfile.open(sdist, "w:gz") as archive:
        for name in sdist_names:
            member = tarfile.TarInfo(f"lambda_editor-1.2.3/{name}")
            archive.addfile(member, io.BytesIO(b""))
    wheel.write_bytes(package_zip({name: b"" for name in wheel_names}))
    return [sdist, wheel]


def test_distributions_with_every_core_file_pass(tmp_path: Path) -> None:
    sdist, wheel = distributions(tmp_path, [*release.SDIST_FILES, *CORE], CORE)
    tracked = [*CORE, "lambda_editor/sublime_adapter/editing.py", "tests/test_cli.py"]
    assert release.distribution_problems(sdist, wheel, tracked) == []


def test_a_data_file_left_out_of_the_wheel_is_named(tmp_path: Path) -> None:
    sdist, wheel = distributions(tmp_path, [*release.SDIST_FILES, *CORE], CORE[:1])
    assert release.distribution_problems(sdist, wheel, CORE) == [
        "lambda_editor-1.2.3.whl lacks lambda_editor/event_templates/empty.json"
    ]


def test_the_sublime_layer_and_the_tests_stay_out_of_pypi(tmp_path: Path) -> None:
    adapter, test = "lambda_editor/sublime_adapter/editing.py", "tests/test_cli.py"
    sdist, wheel = distributions(tmp_path, [*release.SDIST_FILES, *CORE, test], [*CORE, adapter])
    assert release.distribution_problems(sdist, wheel, CORE) == [
        f"lambda_editor-1.2.3.tar.gz must not hold {test}",
        f"lambda_editor-1.2.3.whl must not hold {adapter}",
    ]


# -- One version, and the release ----------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with the files that carry the version, as this one has them."""
    for name in ("pyproject.toml", "messages.json", "CHANGELOG.md", "lambda_editor/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "messages", tmp_path / "messages")
    for arguments in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        git(tmp_path, *arguments)
    return tmp_path


def git(root: Path, *arguments: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", *identity, *arguments], cwd=root, check=True, capture_output=True)


def ready_for(root: Path, version: str) -> None:
    """The version's notes written, dated and committed, as a release needs them."""
    init = root / "lambda_editor" / "__init__.py"
    init.write_text(f'__version__ = "{version}"\n')
    (root / "messages" / f"{version}.txt").write_text(f"Lambda Editor {version}\n")
    (root / "messages.json").write_text(json.dumps({version: f"messages/{version}.txt"}))
    changelog = root / "CHANGELOG.md"
    changelog.write_text(f"# Changelog\n\n## [{version}] - 2026-12-01\n\n### Added\n- It.\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", version)


def test_this_repository_agrees_on_its_version() -> None:
    assert release.version_problems(ROOT) == []


def test_a_version_without_its_message_or_changelog_section_is_named(project: Path) -> None:
    (project / "lambda_editor" / "__init__.py").write_text('__version__ = "9.9.9"\n')
    assert release.version_problems(project) == [
        "messages.json: no message for 9.9.9 (messages/9.9.9.txt)",
        "CHANGELOG.md: no section `## [9.9.9]`",
    ]


def test_a_version_that_is_not_semantic_is_refused(project: Path) -> None:
    (project / "lambda_editor" / "__init__.py").write_text('__version__ = "1.0"\n')
    assert release.version_problems(project) == [
        'lambda_editor/__init__.py: __version__ = "1.0" is not X.Y.Z'
    ]


def test_a_ready_release_has_no_problems(project: Path) -> None:
    ready_for(project, "1.0.0")
    assert release.release_problems(project, "1.0.0") == []


def test_a_release_is_refused_until_everything_is_said_and_committed(project: Path) -> None:
    ready_for(project, "1.0.0")
    changelog = project / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("2026-12-01", "Unreleased"))
    (project / "messages" / "1.0.0.txt").write_text(f"- {release.PLACEHOLDER}: the news\n")
    assert release.release_problems(project, "1.0.0") == [
        "CHANGELOG.md: date the section: `## [1.0.0] - YYYY-MM-DD`",
        f"1.0.0.txt: {release.PLACEHOLDER} entries are left for 1.0.0",
        "the working tree has changes: commit or stash them",
    ]
    assert "lambda_editor/__init__.py says 1.0.0, not 1.0.1" in release.release_problems(
        project, "1.0.1"
    )


def test_a_version_is_released_once(project: Path) -> None:
    ready_for(project, "1.0.0")
    git(project, "tag", "v1.0.0")
    assert release.release_problems(project, "1.0.0") == ["the tag v1.0.0 exists already"]
