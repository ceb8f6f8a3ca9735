"""Versions and aliases: "Lambda: Publish Version…" and "Lambda: Point Alias…"."""

from __future__ import annotations

from typing import List, Optional, Tuple

import sublime
import sublime_plugin

from ..errors import LambdaEditorError
from ..versions import (
    LATEST,
    Alias,
    PublishedVersion,
    Qualifier,
    UndeployedChangesError,
    list_qualifiers,
    parse_weight,
    point_alias,
    publish_function,
    publish_workspace,
)
from . import settings as package_settings
from .pickers import ChosenFunction, ask, choose, with_function
from .runtime import run_off_ui, show_error, status


class LambdaPublishVersionCommand(sublime_plugin.WindowCommand):
    """Publish what is deployed as a new version, with a description; then maybe point an alias
    at it."""

    def run(self) -> None:
        with_function(self.window, self._describe)

    def _describe(self, chosen: ChosenFunction) -> None:
        ask(
            self.window,
            f"Description of the new version of {chosen.name}:",
            "",
            lambda text: self._publish(chosen, text.strip(), force=False),
        )

    def _publish(self, chosen: ChosenFunction, description: str, *, force: bool) -> None:
        exclude = package_settings.load().exclude

        def work() -> PublishedVersion:
            if chosen.workspace is None:
                return publish_function(chosen.target, chosen.function, description=description)
            return publish_workspace(
                chosen.workspace.root,
                description=description,
                force=force,
                exclude=exclude,
            )

        run_off_ui(
            work,
            lambda published: self._published(chosen, published),
            window=self.window,
            status=f"publishing {chosen.name}…",
            on_error=lambda error: self._refused(chosen, description, error),
        )

    def _refused(self, chosen: ChosenFunction, description: str, error: LambdaEditorError) -> None:
        if not isinstance(error, UndeployedChangesError):
            show_error(error)
        elif sublime.ok_cancel_dialog(
            f"{error.message}\n\nPublish anyway? The version holds what is deployed, not the "
            "files you see.",
            "Publish Anyway",
        ):
            self._publish(chosen, description, force=True)

    def _published(self, chosen: ChosenFunction, published: PublishedVersion) -> None:
        status(self.window, published.describe())
        if sublime.ok_cancel_dialog(
            f"{published.describe()}.\n\nPoint an alias at version {published.version}?",
            "Point Alias…",
        ):
            start_pointing(self.window, chosen, version=published.version)


class LambdaPointAliasCommand(sublime_plugin.WindowCommand):
    """Create an alias or move it to a version, optionally with a weighted second version."""

    def run(self) -> None:
        with_function(self.window, lambda chosen: start_pointing(self.window, chosen))


def start_pointing(
    window: sublime.Window, chosen: ChosenFunction, version: Optional[str] = None
) -> None:
    run_off_ui(
        lambda: list_qualifiers(chosen.target, chosen.function),
        lambda qualifiers: AliasPicker(window, chosen, qualifiers, version).pick_alias(),
        window=window,
        status=f"reading the versions of {chosen.name}…",
    )


class AliasPicker:
    """The steps: the alias (or a new one), the version, then all of it or a share elsewhere."""

    def __init__(
        self,
        window: sublime.Window,
        chosen: ChosenFunction,
        qualifiers: List[Qualifier],
        version: Optional[str],
    ) -> None:
        self.window = window
        self.chosen = chosen
        self.aliases = [qualifier for qualifier in qualifiers if qualifier.kind == "alias"]
        self.versions = [qualifier for qualifier in qualifiers if qualifier.kind != "alias"]
        self.version = version
        self.alias = ""

    def pick_alias(self) -> None:
        items = [
            sublime.QuickPanelItem(alias.name, alias.detail, "alias", sublime.KIND_NAVIGATION)
            for alias in self.aliases
        ]
        items.append(sublime.QuickPanelItem("New Alias…", "create one", "", sublime.KIND_SNIPPET))

        def on_pick(index: int) -> None:
            if index < len(self.aliases):
                self._with_alias(self.aliases[index].name)
            else:
                ask(self.window, "Name of the new alias:", "live", self._with_alias)

        choose(self.window, items, on_pick, f"Point which alias of {self.chosen.name}?")

    def _with_alias(self, alias: str) -> None:
        self.alias = alias.strip()
        if self.version is not None:
            self._pick_routing(self.version)
            return
        choose(
            self.window,
            [self._item(version) for version in self.versions],
            lambda index: self._pick_routing(self.versions[index].name),
            f"Point {self.alias} at which version?",
        )

    def _pick_routing(self, version: str) -> None:
        others = [v for v in self.versions if v.kind == "version" and v.name != version]
        if version == LATEST or not others:
            self._point(version, None)
            return
        items = [
            sublime.QuickPanelItem(
                f"All invocations to version {version}", "", "", sublime.KIND_NAVIGATION
            ),
            sublime.QuickPanelItem(
                "Send a share to a second version…",
                "weighted routing, e.g. 10% to the previous version",
                "",
                sublime.KIND_NAVIGATION,
            ),
        ]

        def on_pick(index: int) -> None:
            if index == 0:
                self._point(version, None)
            else:
                choose(
                    self.window,
                    [self._item(other) for other in others],
                    lambda chosen: self._ask_weight(version, others[chosen].name),
                    "Which version gets a share?",
                )

        choose(self.window, items, on_pick, f"Route {self.alias}")

    def _ask_weight(self, version: str, second: str) -> None:
        def on_done(text: str) -> None:
            try:
                weighted = parse_weight(f"{second}={text.strip()}")
            except LambdaEditorError as error:
                show_error(error)
                return
            self._point(version, weighted)

        ask(self.window, f"Share of the invocations for version {second} (0 to 1):", "0.1", on_done)

    def _point(self, version: str, weighted: Optional[Tuple[str, float]]) -> None:
        chosen = self.chosen

        def done(alias: Alias) -> None:
            status(self.window, alias.describe())

        run_off_ui(
            lambda: point_alias(
                chosen.target, chosen.function, self.alias, version, weighted=weighted
            ),
            done,
            window=self.window,
            status=f"pointing {self.alias} of {chosen.name} at version {version}…",
        )

    @staticmethod
    def _item(version: Qualifier) -> sublime.QuickPanelItem:
        return sublime.QuickPanelItem(version.name, version.detail, "", sublime.KIND_VARIABLE)


__all__ = ["LambdaPointAliasCommand", "LambdaPublishVersionCommand"]
