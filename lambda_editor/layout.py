"""Where a workspace keeps its own files.

A workspace is a function's folder plus `.lambda-editor/`, which holds the marker binding it to the
function, test events and results. That folder belongs to the workspace: it is never packaged,
never extracted from an archive, and never deployed.
"""

from __future__ import annotations

METADATA_DIR = ".lambda-editor"
MARKER_FILE = "function.json"
BACKUP_MARKER_FILE = "function.backup.json"  # a backup's binding, kept for reference only
HASH_INDEX_FILE = "hashes.index"  # digests of the workspace's files by stat (packaging.hash_index)
CONFIGURATION_FILE = "configuration.json"  # the function's configuration, as people edit it
HISTORY_DIR = "history"  # the zips deployed from the workspace (history)
# The function's own folder that dependencies are installed into (and put on sys.path from).
VENDOR_DIR = "vendor"


def is_metadata_name(name: str) -> bool:
    """Whether a file system would take `name` for METADATA_DIR: case-insensitive file systems
    (macOS, Windows) ignore case, and Windows drops trailing dots and spaces."""
    return name.rstrip(". ").lower() == METADATA_DIR
