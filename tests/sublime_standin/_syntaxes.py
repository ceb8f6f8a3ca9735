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


def resolve(syntax: str) -> Optional[SyntaxInfo]:
    """A syntax by its resource path, or by "scope:<scope>"."""
    if syntax.startswith("scope:"):
        return next((s for s in all_syntaxes() if s.scope == syntax[len("scope:") :]), None)
    return next((s for s in all_syntaxes() if s.path == syntax), None)
