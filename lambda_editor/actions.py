"""The next steps the core's messages suggest, named once; each front end words them its own way.

A message from the core says what to do in plain words ("fix the cause, then deploy again") and
carries the action it suggests. The command line and the Sublime package each add how that is done
there: `python -m lambda_editor push`, or "Lambda: Deploy Now".
"""

from __future__ import annotations

DEPLOY = "deploy"
DOWNLOAD = "download"
INVOKE_IN_AWS = "invoke-in-aws"
NEW_TEST_EVENT = "new-test-event"
SELECT_PROFILE = "select-profile"
SELECT_REGION = "select-region"
CHOOSE_PYTHON = "choose-python"
INSTALL_BOTO3 = "install-boto3"
EDIT_SETTINGS = "edit-settings"
SET_S3_BUCKET = "set-s3-bucket"

ALL = (
    DEPLOY,
    DOWNLOAD,
    INVOKE_IN_AWS,
    NEW_TEST_EVENT,
    SELECT_PROFILE,
    SELECT_REGION,
    CHOOSE_PYTHON,
    INSTALL_BOTO3,
    EDIT_SETTINGS,
    SET_S3_BUCKET,
)
