"""How big the function's package is against Lambda's limits, and which packages weigh most."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from ..errors import LambdaEditorError
from ..limits import DIRECT_UPLOAD_LIMIT, UNZIPPED_LIMIT
from ..packaging.builder import build_package
from ..packaging.manifest import unzipped_size
from ..units import format_size
from .dists import InstalledDist, list_installed

CLOSE_TO_LIMIT = 0.8  # name the biggest packages from 80% of a limit
_BIGGEST_SHOWN = 5


@dataclass(frozen=True)
class SizeReport:
    unzipped_size: int
    zipped_size: Optional[int]  # None when over the unzipped limit: no zip is built then
    biggest: Tuple[InstalledDist, ...]  # the largest packages in vendor/, when close to a limit
    unzipped_limit: int = UNZIPPED_LIMIT
    zipped_limit: int = DIRECT_UPLOAD_LIMIT

    @property
    def close_to_limit(self) -> bool:
        zipped = self.zipped_size if self.zipped_size is not None else self.zipped_limit
        return (
            self.unzipped_size >= CLOSE_TO_LIMIT * self.unzipped_limit
            or zipped >= CLOSE_TO_LIMIT * self.zipped_limit
        )

    def summary(self) -> str:
        """A few sentences for the output panel or the terminal."""
        parts = [
            f"Package size: {format_size(self.unzipped_size)} unzipped "
            f"({_percent(self.unzipped_size, self.unzipped_limit)} of Lambda's "
            f"{format_size(self.unzipped_limit)} limit), {self._zipped_text()}."
        ]
        if self.unzipped_size > self.unzipped_limit:
            parts.append("Lambda refuses a package this large.")
        elif self.zipped_size is not None and self.zipped_size > self.zipped_limit:
            parts.append("Too large to upload directly: it must go through S3.")
        if self.biggest:
            named = ", ".join(f"{dist.name} {format_size(dist.size)}" for dist in self.biggest)
            parts.append(f"Biggest packages: {named}.")
            parts.append("Remove what the function does not need, or move it to a layer.")
        return " ".join(parts)

    def _zipped_text(self) -> str:
        if self.zipped_size is None:
            return "not zipped"
        return (
            f"{format_size(self.zipped_size)} zipped "
            f"({_percent(self.zipped_size, self.zipped_limit)} of the "
            f"{format_size(self.zipped_limit)} direct-upload limit)"
        )


def _percent(size: int, limit: int) -> str:
    return f"{100 * size / limit:.0f}%"


def make_size_report(
    unzipped_size: int,
    zipped_size: Optional[int],
    installed: Sequence[InstalledDist],
    unzipped_limit: int = UNZIPPED_LIMIT,
    zipped_limit: int = DIRECT_UPLOAD_LIMIT,
) -> SizeReport:
    """A report from measured sizes; the biggest packages are named only when close to a limit."""
    report = SizeReport(unzipped_size, zipped_size, (), unzipped_limit, zipped_limit)
    if not report.close_to_limit:
        return report
    biggest = sorted(installed, key=lambda dist: dist.size, reverse=True)[:_BIGGEST_SHOWN]
    return SizeReport(unzipped_size, zipped_size, tuple(biggest), unzipped_limit, zipped_limit)


def size_report(root: str, exclude: Sequence[str] = ()) -> SizeReport:
    """Measure the package the folder deploys as: the zip is really built (sizes are exact)."""
    try:
        built = build_package(root, exclude)
    except LambdaEditorError:
        unzipped = unzipped_size(root, exclude)
        if unzipped <= UNZIPPED_LIMIT:
            raise  # not the size limit: an unreadable file or a link out of the folder
        return make_size_report(unzipped, None, list_installed(root))
    return make_size_report(built.unzipped_size, built.zipped_size, list_installed(root))
