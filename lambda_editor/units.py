"""Sizes and counts as people read them."""

from __future__ import annotations


def format_size(size: int) -> str:
    """A byte count as people read it: 834 B, 12.4 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def counted(count: int, noun: str) -> str:
    """`1 file`, `3 files`: a count and a noun that takes an s."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
