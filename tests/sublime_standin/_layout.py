"""Where Sublime Text 4 keeps its folders on each OS, rebuilt under a test's root folder.

The plugin host's `sys.path` lists the installation's `Lib/pythonXY` before the data folder's
(LSP-pyright issue 26 shows one); only the data folder is the user's, writable and kept across
updates. The user's home is modelled too, so that code writing "per-user" folders stays inside.
"""

from __future__ import annotations

import os
import sys
from typing import Dict, List, Mapping, Tuple

from ._core import Paths

_HOME_VARIABLES: Tuple[str, ...] = ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA")
_HOME_VARIABLES += ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")


def platform_name() -> str:
    if sys.platform == "darwin":
        return "osx"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def _folders(root: str, platform: str) -> Tuple[str, str, str, str, str]:
    """(home, data, cache, install folder, executable name) of Sublime Text 4 on the platform."""
    home = os.path.join(root, "home")
    if platform == "osx":
        library = os.path.join(home, "Library")
        install = os.path.join(root, "Applications", "Sublime Text.app", "Contents", "MacOS")
        return (
            home,
            os.path.join(library, "Application Support", "Sublime Text"),
            os.path.join(library, "Caches", "Sublime Text"),
            install,
            "sublime_text",
        )
    if platform == "windows":
        app_data = os.path.join(home, "AppData")
        return (
            home,
            os.path.join(app_data, "Roaming", "Sublime Text"),
            os.path.join(app_data, "Local", "Sublime Text"),
            os.path.join(root, "Program Files", "Sublime Text"),
            "sublime_text.exe",
        )
    return (
        home,
        os.path.join(home, ".config", "sublime-text"),
        os.path.join(home, ".cache", "sublime-text"),
        os.path.join(root, "opt", "sublime_text"),
        "sublime_text",
    )


def make(root: str, packages: Mapping[str, str]) -> Paths:
    """Sublime's folders for the running OS and Python, created under `root`."""
    home, data, cache, install, executable = _folders(root, platform_name())
    library = f"python{sys.version_info[0]}{sys.version_info[1]}"
    paths = Paths(
        home=home,
        data=data,
        packages=os.path.join(data, "Packages"),
        installed_packages=os.path.join(data, "Installed Packages"),
        cache=cache,
        executable=os.path.join(install, executable),
        host_libraries=[os.path.join(install, "Lib", library), os.path.join(data, "Lib", library)],
        mapped_packages={name: os.path.abspath(folder) for name, folder in packages.items()},
    )
    for folder in (
        os.path.join(paths.packages, "User"),
        paths.installed_packages,
        paths.cache,
        *paths.host_libraries,
    ):
        os.makedirs(folder, exist_ok=True)
    open(paths.executable, "ab").close()
    return paths


def home_environment(home: str) -> Dict[str, str]:
    """The user's folders, as the OS tells them to programs, all inside the modelled home."""
    return {
        "HOME": home,
        "USERPROFILE": home,
        "APPDATA": os.path.join(home, "AppData", "Roaming"),
        "LOCALAPPDATA": os.path.join(home, "AppData", "Local"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
    }


def enter(paths: Paths) -> List[Tuple[str, object]]:
    """Put the host's library folders first on sys.path and the home in the environment; what
    to restore on leaving."""
    saved: List[Tuple[str, object]] = [(name, os.environ.get(name)) for name in _HOME_VARIABLES]
    os.environ.update(home_environment(paths.home))
    sys.path[:0] = paths.host_libraries
    return saved


def leave(paths: Paths, saved: List[Tuple[str, object]]) -> None:
    for folder in paths.host_libraries:
        if folder in sys.path:
            sys.path.remove(folder)
    for name, value in saved:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)
