"""'Lambda: Function URL': copy the function's URL, or create one (public or IAM), or delete it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

import sublime
import sublime_plugin

from ..function_url import (
    AUTH_IAM,
    AUTH_NONE,
    BUFFERED,
    INVOKE_MODES,
    PUBLIC_WARNING,
    FunctionUrl,
    UrlChange,
    create_function_url,
    delete_function_url,
    get_function_url,
)
from .pickers import Action, ChosenFunction, ask, choose, choose_action, with_function
from .runtime import run_off_ui, status

_AUTH_CHOICES = (
    (AUTH_IAM, "AWS_IAM: signed requests only (AWS credentials, SigV4)"),
    (AUTH_NONE, "NONE: public, for webhooks such as Slack; anyone with the URL can call it"),
)
_MODE_DETAILS = {
    BUFFERED: "the whole response at once (up to 6 MB)",
    "RESPONSE_STREAM": "streamed as it is written (Node.js or a custom runtime)",
}


@dataclass(frozen=True)
class _NewUrl:
    auth_type: str = AUTH_IAM
    cors_origins: Tuple[str, ...] = ()
    invoke_mode: str = BUFFERED


class LambdaFunctionUrlCommand(sublime_plugin.WindowCommand):
    def run(self) -> None:
        with_function(self.window, self._look)

    def _look(self, chosen: ChosenFunction) -> None:
        run_off_ui(
            lambda: get_function_url(chosen.target, chosen.function),
            lambda url: self._offer(chosen, url),
            window=self.window,
            status=f"reading the URL of {chosen.name}…",
        )

    def _offer(self, chosen: ChosenFunction, url: Optional[FunctionUrl]) -> None:
        if url is None:
            self._pick_auth(chosen)
            return
        actions: List[Action] = [
            ("Copy URL", url.describe(), lambda: copy(self.window, url.url, "")),
            (
                "Delete URL",
                "its callers get errors from then on",
                lambda: self._delete(chosen, url),
            ),
        ]
        if url.is_public:
            existing = _NewUrl(AUTH_NONE, url.cors_origins, url.invoke_mode)
            actions.append(
                (
                    "Check Public Permissions",
                    "allows everyone lambda:InvokeFunctionUrl and lambda:InvokeFunction if missing",
                    lambda: self._create(chosen, existing),
                )
            )
        choose_action(self.window, actions, f"The URL of {chosen.name}")

    def _delete(self, chosen: ChosenFunction, url: FunctionUrl) -> None:
        if not sublime.ok_cancel_dialog(
            f"Delete the URL of {chosen.name}?\n\n{url.url}\n\nWhatever calls it (a Slack "
            "command, a webhook) gets errors from then on.",
            "Delete URL",
        ):
            return

        def done(change: Optional[UrlChange]) -> None:
            removed = (
                f" and the permissions {', '.join(change.statements)}"
                if change and change.statements
                else ""
            )
            status(self.window, f"deleted the URL of {chosen.name}{removed}")

        run_off_ui(
            lambda: delete_function_url(chosen.target, chosen.function),
            done,
            window=self.window,
            status=f"deleting the URL of {chosen.name}…",
        )

    def _pick_auth(self, chosen: ChosenFunction) -> None:
        items = [
            sublime.QuickPanelItem(auth, detail, "", sublime.KIND_NAVIGATION)
            for auth, detail in _AUTH_CHOICES
        ]

        def on_pick(index: int) -> None:
            auth = _AUTH_CHOICES[index][0]
            if auth == AUTH_NONE and not sublime.ok_cancel_dialog(
                f"{PUBLIC_WARNING}\n\nCreate a public URL for {chosen.name}?",
                "Create Public URL",
            ):
                return
            self._pick_cors(chosen, _NewUrl(auth_type=auth))

        choose(self.window, items, on_pick, f"{chosen.name} has no URL: create one, called with")

    def _pick_cors(self, chosen: ChosenFunction, new: _NewUrl) -> None:
        items = [
            sublime.QuickPanelItem(
                "No CORS", "for servers and webhooks", "", sublime.KIND_NAVIGATION
            ),
            sublime.QuickPanelItem(
                "CORS for any origin (*)", "any web page may call it", "", sublime.KIND_NAVIGATION
            ),
            sublime.QuickPanelItem(
                "CORS for these origins…", "e.g. https://example.com", "", sublime.KIND_NAVIGATION
            ),
        ]

        def with_origins(text: str) -> None:
            origins = tuple(origin.strip() for origin in text.split(",") if origin.strip())
            self._pick_mode(chosen, replace(new, cors_origins=origins))

        def on_pick(index: int) -> None:
            if index == 2:
                ask(self.window, "Allowed origins (comma-separated):", "https://", with_origins)
            else:
                self._pick_mode(chosen, replace(new, cors_origins=("*",) if index == 1 else ()))

        choose(self.window, items, on_pick, "Browsers calling it")

    def _pick_mode(self, chosen: ChosenFunction, new: _NewUrl) -> None:
        choose(
            self.window,
            [
                sublime.QuickPanelItem(mode, _MODE_DETAILS[mode], "", sublime.KIND_NAVIGATION)
                for mode in INVOKE_MODES
            ],
            lambda index: self._create(chosen, replace(new, invoke_mode=INVOKE_MODES[index])),
            "Invoke mode",
        )

    def _create(self, chosen: ChosenFunction, new: _NewUrl) -> None:
        def done(change: UrlChange) -> None:
            added = (
                f"; added the permissions {', '.join(change.statements)}"
                if change.statements
                else ""
            )
            copy(self.window, change.url.url, f"URL of {chosen.name} created{added}")

        run_off_ui(
            lambda: create_function_url(
                chosen.target,
                chosen.function,
                auth_type=new.auth_type,
                cors_origins=new.cors_origins,
                invoke_mode=new.invoke_mode,
            ),
            done,
            window=self.window,
            status=f"creating the URL of {chosen.name}…",
        )


def copy(window: sublime.Window, url: str, what: str) -> None:
    sublime.set_clipboard(url)
    status(window, f"{what + ', ' if what else ''}copied: {url}")


__all__ = ["LambdaFunctionUrlCommand"]
