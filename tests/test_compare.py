from __future__ import annotations

from pathlib import Path

from lambda_editor.compare import diff_trees
from lambda_editor.packaging.manifest import scan


def diff(left: Path, right: Path) -> str:
    return "".join(diff_trees(str(left), scan(str(left)), str(right), scan(str(right))))


def test_changed_added_removed_and_mode_only_changes_are_all_shown(tmp_path: Path) -> None:
    left, right = tmp_path / "deployed", tmp_path / "local"
    for folder in (left, right):
        folder.mkdir()
        (folder / "same.py").write_text("x = 1\n")
        (folder / "run.sh").write_text("echo hi\n")
    (left / "app.py").write_text("return 1\n")
    (right / "app.py").write_text("return 2\n")
    (left / "gone.py").write_text("old\n")
    (right / "__init__.py").write_text("")  # an empty file, added
    (right / "run.sh").chmod(0o755)

    text = diff(left, right)

    assert "-return 1\n+return 2\n" in text
    assert "--- deployed/gone.py" in text and "-old\n" in text
    assert "Only in local: __init__.py (empty)" in text
    assert "Mode of run.sh changed: 644 → 755" in text
    assert "same.py" not in text


def test_an_empty_file_added_or_removed_is_not_taken_for_a_mode_change(tmp_path: Path) -> None:
    left, right = tmp_path / "deployed", tmp_path / "local"
    left.mkdir()
    right.mkdir()
    (right / "__init__.py").write_text("")

    assert diff(left, right) == "Only in local: __init__.py (empty)\n"
    assert diff(right, left) == "Only in deployed: __init__.py (empty)\n"
