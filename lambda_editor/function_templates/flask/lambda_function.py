"""Serves the Flask app of app.py on Lambda, behind a function URL or API Gateway.

Flask is installed into vendor/ from requirements.txt ("Lambda: Install requirements.txt", or
`python -m lambda_editor deps DIR -r requirements.txt`), built for Lambda's platform; that also
deploys the function. Until then every request answers 500 and says so.
"""

# Lambda only puts the function's folder on sys.path: add vendor/ to it.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor"))

import wsgi_adapter

try:
    from app import app
except ModuleNotFoundError as missing:
    if missing.name != "flask":
        raise
    app = None


def lambda_handler(event, context):
    if app is None:
        return {
            "statusCode": 500,
            "headers": {"content-type": "text/plain"},
            "body": "Flask is not installed in vendor/ yet: install requirements.txt.",
        }
    return wsgi_adapter.handle(app, event, context)
