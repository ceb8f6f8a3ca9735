"""What every command of the command line shares: the context, exit statuses, usage errors, how
the core's next steps are taken here, and finding the workspace a command names."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Iterator, Optional, Sequence

from .. import actions
from ..aws import AwsTarget
from ..earlier_workspaces import earlier_workspaces
from ..errors import LambdaEditorError
from ..functions import check_function_name
from ..history import HistoryLimits
from ..s3_upload import S3Location
from ..workspace import Workspace, default_workspace_root, list_workspaces

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REMOTE_CHANGED, EXIT_FUNCTION_ERROR = 0, 1, 2, 3, 4

# How each next step the core suggests is taken on the command line.
ACTION_WORDS = {
    actions.DEPLOY: "Run `python -m lambda_editor push`.",
    actions.DOWNLOAD: "Run `python -m lambda_editor pull NAME`.",
    actions.INVOKE_IN_AWS: "Run `python -m lambda_editor invoke` without --local.",
    actions.NEW_TEST_EVENT: "Save it as .lambda-editor/events/NAME.json in the workspace.",
    actions.SELECT_PROFILE: "Pass --profile NAME.",
    actions.SELECT_REGION: "Pass --region NAME.",
    actions.CHOOSE_PYTHON: "Pass --python PATH.",
    actions.INSTALL_BOTO3: "Run `pip install boto3`.",
    actions.SET_S3_BUCKET: "Pass --s3-bucket BUCKET (and --s3-prefix PREFIX) to push.",
}


class UsageError(LambdaEditorError):
    """The command line's words are off (argparse catches most; this is for the rest)."""


@contextlib.contextmanager
def usage_errors() -> Iterator[None]:
    """The core's refusal of an input, before anything was sent: the words are what need fixing."""
    try:
        yield
    except LambdaEditorError as error:
        raise UsageError(error.message, error.hint) from error


class Context:
    """What every command gets: the parsed options and where to write."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.target = AwsTarget(options.profile, options.region, options.endpoint_url)
        self.exclude: Sequence[str] = tuple(options.exclude or ())
        self.workspace_root = options.workspace_root or default_workspace_root()
        self.history_limits = HistoryLimits(
            options.history_count, options.history_size_mb * 1024 * 1024
        )

    @property
    def s3(self) -> Optional[S3Location]:
        """Where packages over the direct-upload limit go (`--s3-bucket`, `--s3-prefix`)."""
        bucket = getattr(self.options, "s3_bucket", None)
        if not bucket:
            return None
        with usage_errors():
            return S3Location(bucket, self.options.s3_prefix or "").checked()

    def out(self, text: str) -> None:
        print(text, flush=True)

    def err(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


def worded(error: LambdaEditorError) -> str:
    """The error, then how its next step is taken on the command line."""
    return error.worded_for(ACTION_WORDS)


def check_name(name: str) -> None:
    with usage_errors():
        check_function_name(name)


def workspace_root(directory: Optional[str]) -> str:
    """The root of the workspace holding `directory` (default: the current folder)."""
    workspace = Workspace.find(os.path.abspath(directory or os.getcwd()))
    if workspace is None:
        raise LambdaEditorError(
            f"{os.path.abspath(directory or os.getcwd())} is not inside a Lambda Editor workspace.",
            "Run `python -m lambda_editor pull NAME` first, or pass the workspace folder.",
        )
    return workspace.root


def workspace_of(context: Context, name: str) -> Optional[Workspace]:
    """The workspace of function `name`: the current folder's, else one under the workspace root."""
    here = Workspace.find(os.getcwd())
    if here is not None and name in (here.binding.function_name, here.binding.function_arn):
        return here
    region = context.target.region
    for workspace in [*list_workspaces(context.workspace_root), *earlier_workspaces()]:
        binding = workspace.binding
        if name in (binding.function_name, binding.function_arn) and region in (
            None,
            binding.region,
        ):
            return workspace
    return None


def workspace_named(context: Context, function: str) -> Optional[Workspace]:
    """The workspace a NAME|DIR argument means: the folder's, else the function's if any."""
    if os.path.isdir(function):
        found = Workspace.find(os.path.abspath(function))
        if found is None:
            raise LambdaEditorError(
                f"{os.path.abspath(function)} is not inside a Lambda Editor workspace.",
                "Pass a function name, or a folder made by `pull`.",
            )
        return found
    return workspace_of(context, function)


def add_deploy_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that deploys."""
    parser.add_argument(
        "--s3-bucket",
        metavar="BUCKET",
        help="deploy packages over 50 MB through this bucket, in the function's region "
        "(the package is removed from it afterwards)",
    )
    parser.add_argument("--s3-prefix", metavar="PREFIX", default="", help="a prefix for its keys")
