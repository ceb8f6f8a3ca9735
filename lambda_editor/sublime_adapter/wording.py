"""How the next steps the core suggests are taken in Sublime Text."""

from __future__ import annotations

from ..actions import (
    CHOOSE_PYTHON,
    DEPLOY,
    DOWNLOAD,
    EDIT_SETTINGS,
    INSTALL_BOTO3,
    INVOKE_IN_AWS,
    NEW_TEST_EVENT,
    SELECT_PROFILE,
    SELECT_REGION,
    SET_S3_BUCKET,
)
from ..errors import LambdaEditorError

ACTION_WORDS = {
    DEPLOY: 'Save again, or run "Lambda: Deploy Now".',
    DOWNLOAD: 'Run "Lambda: Edit Function…".',
    INVOKE_IN_AWS: 'Run "Lambda: Invoke Function…".',
    NEW_TEST_EVENT: 'Run "Lambda: New Test Event…".',
    SELECT_PROFILE: 'Run "Lambda: Select Profile".',
    SELECT_REGION: 'Run "Lambda: Select Region".',
    CHOOSE_PYTHON: 'Set "python_interpreter" in the Lambda Editor settings.',
    INSTALL_BOTO3: 'Run "Lambda: Install boto3" from the command palette.',
    EDIT_SETTINGS: "Open Preferences → Package Settings → Lambda Editor → Settings.",
    SET_S3_BUCKET: 'Set "s3_bucket" (and "s3_prefix") in the Lambda Editor settings.',
}


def worded(error: LambdaEditorError) -> str:
    """The error on one line, then how to take its next step in Sublime."""
    return error.worded_for(ACTION_WORDS)


def next_step(error: LambdaEditorError) -> str:
    """The hint, then how to take the next step in Sublime (for a dialog's last paragraph)."""
    how = ACTION_WORDS.get(error.next_action, "")
    return f"{error.hint} {how}".strip()
