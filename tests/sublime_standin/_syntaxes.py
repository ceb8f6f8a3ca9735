"""Syntax definitions: the ones Sublime Text ships, plus any found in the packages."""

from __future__ import annotations

import re
from typing import List, NamedTuple, Optional

from . import _resources


class SyntaxInfo(NamedTuple):
    path: str
    name: str
    hidden: bool
    scope: str


SHIPPED = [
    SyntaxInfo("Packages/Text/Plain text.tmLanguage", "Plain Text", False, "text.plain"),
    SyntaxInfo("Packages/JSON/JSON.sublime-syntax", "JSON", False, "source.json"),
    SyntaxInfo("Packages/Python/Python.sublime-syntax", "Python", False, "source.python"),
    SyntaxInfo("Packages/Diff/Diff.sublime-syntax", "Diff", False, "source.diff"),
    SyntaxInfo(
        "Packages/Markdown/Markdown.sublime-syntax", "Markdown", False, "text.html.markdown"
    ),
    SyntaxInfo("Packages/JavaScript/JavaScript.sublime-syntax", "JavaScript", False, "source.js"),
    SyntaxInfo("Packages/ShellScript/Bash.sublime-syntax", "Bash", False, "source.shell.bash"),
    SyntaxInfo("Packages/YAML/YAML.sublime-syntax", "YAML", False, "source.yaml"),
    SyntaxInfo("Packages/XML/XML.sublime-syntax", "XML", False, "text.xml"),
    SyntaxInfo(
        "Packages/Default/Find Results.hidden-tmLanguage",
        "Find Results",
        True,
        "text.find-in-files",
    ),
]


def _from_package(resource: str) -> SyntaxInfo:
    data = _resources.read_resource(resource) or b""
    match = re.search(rb"^scope:\s*(\S+)", data, re.MULTILINE)
    scope = match.group(1).decode() if match else ""
    name = resource.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return SyntaxInfo(resource, name, b"hidden: true" in data, scope)


def all_syntaxes() -> List[SyntaxInfo]:
    found = [
        _from_package(resource)
        for pattern in ("*.sublime-syntax", "*.tmLanguage")
        for resource in _resources.find_resources(pattern)
    ]
    return SHIPPED + found


# What Sublime picks for a file it opens, by extension (the shipped syntaxes' file_extensions).
_BY_EXTENSION = {
    ".json": "Packages/JSON/JSON.sublime-syntax",
    ".py": "Packages/Python/Python.sublime-syntax",
    ".diff": "Packages/Diff/Diff.sublime-syntax",
    ".md": "Packages/Markdown/Markdown.sublime-syntax",
    ".js": "Packages/JavaScript/JavaScript.sublime-syntax",
    ".sh": "Packages/ShellScript/Bash.sublime-syntax",
    ".yaml": "Packages/YAML/YAML.sublime-syntax",
    ".xml": "Packages/XML/XML.sublime-syntax",
}


def for_file(path: str) -> str:
    """The syntax Sublime gives a file it opens: by its extension, else Plain Text."""
    extension = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return _BY_EXTENSION.get(extension, SHIPPED[0].path)


def matches(scope: str, selector: str) -> bool:
    """Scope selector matching for the simple selectors plugins use: `a.b, c` (prefix match)."""
    return any(
        scope == part or scope.startswith(part + ".")
        for part in (alternative.strip() for alternative in selector.split(","))
        if part
    )


def resolve(syntax: str) -> Optional[SyntaxInfo]:
    """A syntax by its resource path, or by "scope:<scope>"."""
    if syntax.startswith("scope:"):
        return next((s for s in all_syntaxes() if s.scope == syntax[len("scope:") :]), None)
    return next((s for s in all_syntaxes() if s.path == syntax), None)
