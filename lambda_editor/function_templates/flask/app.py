"""The Flask application: add your routes here. lambda_function.py serves it on Lambda."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(hello=request.args.get("name", "world"))


@app.post("/echo")
def echo():
    return jsonify(received=request.get_json(silent=True))
