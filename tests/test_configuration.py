"""The configuration document and its file: reading AWS's answer, checking, comparing, the file's
comments and errors."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from lambda_editor import config_file, configuration
from lambda_editor.configuration import InvalidConfigurationError

ANSWER: Dict[str, Any] = {
    "FunctionName": "fn",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
    "Description": "",
    "Handler": "app.handler",
    "Runtime": "python3.12",
    "Timeout": 3,
    "MemorySize": 128,
    "EphemeralStorage": {"Size": 512},
    "Environment": {"Variables": {"API_KEY": "s3cr3t-value", "COLOR": "blue"}},
    "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:deps:3", "CodeSize": 10}],
    "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"},
    "CodeSha256": "abc=",
    "RevisionId": "rev-1",
}
DEPLOYED = configuration.from_function(ANSWER)
SECRET = "s3cr3t-value"


def test_the_editable_fields_are_read_from_aws_flattened() -> None:
    assert DEPLOYED == {
        "Description": "",
        "Handler": "app.handler",
        "Runtime": "python3.12",
        "Timeout": 3,
        "MemorySize": 128,
        "EphemeralStorage": 512,
        "Environment": {"API_KEY": SECRET, "COLOR": "blue"},
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"],
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": "/aws/lambda/fn"},
    }
    no_environment = {key: value for key, value in ANSWER.items() if key != "Environment"}
    assert configuration.from_function(no_environment)["Environment"] == {}


def test_the_file_reads_back_what_was_written_and_keeps_its_header(tmp_path: Any) -> None:
    (tmp_path / ".lambda-editor").mkdir()
    path = config_file.write(str(tmp_path), DEPLOYED, "fn")

    with open(path, encoding="utf-8") as written:
        text = written.read()
    assert text.startswith("// The configuration of fn.")
    assert "Timeout           seconds, 1 to 900" in text
    assert "MemorySize        MB, 128 to 10240" in text
    assert "EphemeralStorage  MB of /tmp, 512 to 10240" in text
    assert config_file.read(str(tmp_path), DEPLOYED) == DEPLOYED
    assert oct(tmp_path.joinpath(".lambda-editor", "configuration.json").stat().st_mode)[-3:] == (
        "600"
    )


def test_no_file_means_nothing_to_deploy(tmp_path: Any) -> None:
    assert config_file.read(str(tmp_path), DEPLOYED) is None


def test_comments_and_trailing_commas_are_allowed_as_sublime_allows_them() -> None:
    text = b"""// a header
    {
        /* a block
           comment */ "Description": "a // not a comment, /* nor this */",
        "Timeout": 10, // seconds
        "Layers": [
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:3",
        ],
        "Environment": {"QUOTE": "a \\" then // text",},
    }
    """
    assert config_file.parse(text) == {
        "Description": "a // not a comment, /* nor this */",
        "Timeout": 10,
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"],
        "Environment": {"QUOTE": 'a " then // text'},
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b'// comment\n{\n  "Timeout": 10\n  "MemorySize": 256\n}', "line 4, column 3: Expecting"),
        (b'{\n  /* never closed\n  "Timeout": 10\n}', "line 2, column 3: a /* comment is never"),
        (b'{"Timeout": 10, "Timeout": 20}', '"Timeout" is given twice'),
        (b'{"Timeout": NaN}', "NaN is not a number JSON allows"),
        (b"  \n", "the file is empty"),
        (b'{"Description": "caf\xe9"}', "byte 21 is not UTF-8"),
        (b"[" * 100_000, "nests too deeply"),
    ],
)
def test_syntax_errors_name_where_they_are(text: bytes, problem: str) -> None:
    with pytest.raises(InvalidConfigurationError) as raised:
        config_file.parse(text)
    assert problem in raised.value.message


def test_an_invalid_file_names_itself_and_its_field(tmp_path: Any) -> None:
    (tmp_path / ".lambda-editor").mkdir()
    (tmp_path / ".lambda-editor" / "configuration.json").write_text('{"Timeout": 0}')

    with pytest.raises(InvalidConfigurationError) as raised:
        config_file.read(str(tmp_path), DEPLOYED)

    assert raised.value.message == (
        f"{tmp_path / '.lambda-editor' / 'configuration.json'} is not valid: Timeout must be a "
        "whole number of seconds from 1 to 900 (it is 0)."
    )
    assert "nothing was sent" in raised.value.hint


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "it holds a list, not a JSON object"),
        ({"Timeuot": 5}, 'unknown field "Timeuot" (did you mean Timeout?)'),
        ({"Timeout": 901}, "Timeout must be a whole number of seconds from 1 to 900 (it is 901)"),
        ({"Timeout": True}, "(it is true)"),
        ({"Timeout": 2.5}, "(it is 2.5)"),
        ({"MemorySize": 127}, "MemorySize must be a whole number of MB from 128 to 10240"),
        ({"MemorySize": 10241}, "from 128 to 10240 (it is 10241)"),
        ({"EphemeralStorage": 511}, "EphemeralStorage must be a whole number of MB from 512"),
        ({"Description": "x" * 257}, "Description is 257 characters long; Lambda takes 256"),
        ({"Handler": "app handler"}, "Handler must be the function Lambda calls, without spaces"),
        ({"Handler": 5}, "Handler must be text (it is a number)"),
        ({"Runtime": "pyhton3.12"}, 'unknown Runtime "pyhton3.12" (did you mean python3.12?)'),
        ({"Environment": ["A"]}, "Environment must be an object of names and values"),
        ({"Environment": {"1ABC": "x"}}, 'Environment: "1ABC" is not a valid name'),
        ({"Environment": {"A": "x"}}, 'Environment: "A" is not a valid name'),
        ({"Environment": {"MY-VAR": "x"}}, 'Environment: "MY-VAR" is not a valid name'),
        (
            {"Environment": {"AWS_REGION": "x"}},
            "Environment: AWS_REGION is set by Lambda itself and cannot be configured",
        ),
        ({"Environment": {"TOKEN": 12345}}, "the value of TOKEN must be text, in quotes"),
        ({"Environment": {"BIG": "x" * 4090}}, "Environment takes 4,100 bytes; Lambda takes 4 KB"),
        ({"Layers": "arn"}, "Layers must be a list of layer version ARNs (it is text)"),
        ({"Layers": ["arn:aws:lambda:us-east-1:1:layer:x:1"]}, "is not a layer version ARN"),
        (
            {"Layers": [f"arn:aws:lambda:us-east-1:123456789012:layer:l{n}:1" for n in range(6)]},
            "Layers lists 6; a function has 5 at most",
        ),
        (
            {
                "Layers": [
                    "arn:aws:lambda:us-east-1:123456789012:layer:deps:1",
                    "arn:aws:lambda:us-east-1:123456789012:layer:deps:2",
                ]
            },
            "Layers lists two versions of deps: Lambda takes one",
        ),
        ({"LoggingConfig": {"LogFormat": "XML"}}, "LogFormat must be one of Text, JSON"),
        ({"LoggingConfig": {"Level": "INFO"}}, 'unknown LoggingConfig key "Level"'),
        (
            {"LoggingConfig": {"ApplicationLogLevel": "DEBUG"}},
            'ApplicationLogLevel needs "LogFormat": "JSON"',
        ),
        ({"LoggingConfig": {"LogGroup": "has space"}}, "LogGroup must be a log group name"),
    ],
)
def test_each_field_is_checked_and_named(document: Any, problem: str) -> None:
    with pytest.raises(InvalidConfigurationError) as raised:
        configuration.check(document, DEPLOYED)
    assert problem in raised.value.message


def test_an_environment_value_is_never_in_a_message() -> None:
    for document in (
        {"Environment": {"AWS_REGION": SECRET}},
        {"Environment": {"TOKEN": [SECRET]}},
        {"Environment": {"BIG": SECRET * 1000}},
    ):
        with pytest.raises(InvalidConfigurationError) as raised:
            configuration.check(document, DEPLOYED)
        assert SECRET not in str(raised.value)


def test_valid_documents_pass_whole() -> None:
    wanted = {
        **DEPLOYED,
        "Timeout": 900,
        "MemorySize": 10240,
        "EphemeralStorage": 10240,
        "Runtime": "python3.14",
        "Environment": {"ab": "x" * 4000},
        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
    }
    assert configuration.check(wanted, DEPLOYED) == wanted
    assert configuration.check({"Runtime": "nodejs22.x"}, DEPLOYED) == {"Runtime": "nodejs22.x"}
    # A runtime Lambda no longer offers may stay as it is deployed.
    assert configuration.check({"Runtime": "python2.7x"}, {"Runtime": "python2.7x"})
    # Levels are fine where JSON logs are deployed already.
    json_logs = {"LoggingConfig": {"LogFormat": "JSON"}}
    assert configuration.check({"LoggingConfig": {"SystemLogLevel": "WARN"}}, json_logs)


def test_only_what_changed_is_sent() -> None:
    wanted = {
        **DEPLOYED,
        "Timeout": 10,
        "EphemeralStorage": 1024,
        "Environment": {"API_KEY": "new", "COLOR": "blue", "DEBUG": "1"},
    }
    assert configuration.changed_fields(DEPLOYED, wanted) == [
        "Timeout",
        "EphemeralStorage",
        "Environment",
    ]
    assert configuration.update_request(DEPLOYED, wanted) == {
        "Timeout": 10,
        "EphemeralStorage": {"Size": 1024},
        "Environment": {"Variables": {"API_KEY": "new", "COLOR": "blue", "DEBUG": "1"}},
    }
    assert configuration.changed_fields(DEPLOYED, DEPLOYED) == []
    assert configuration.changed_fields(DEPLOYED, {"Timeout": 3}) == []  # others left out


def test_a_logging_key_left_out_stays_and_levels_go_with_json_only() -> None:
    to_json = {"LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "WARN"}}
    assert configuration.update_request(DEPLOYED, to_json) == {
        "LoggingConfig": {
            "LogFormat": "JSON",
            "ApplicationLogLevel": "WARN",
            "LogGroup": "/aws/lambda/fn",
        }
    }
    json_deployed = {"LoggingConfig": {"LogFormat": "JSON", "SystemLogLevel": "WARN"}}
    to_text = {"LoggingConfig": {"LogFormat": "Text"}}
    assert configuration.update_request(json_deployed, to_text) == to_text
    # AWS's answer adds the log group: the file that left it out still holds what is deployed.
    assert configuration.holds(DEPLOYED, {"LoggingConfig": {"LogFormat": "Text"}})


def test_changes_are_described_with_environment_values_masked() -> None:
    wanted = {
        **DEPLOYED,
        "Timeout": 10,
        "Description": "mine",
        "Environment": {"API_KEY": "rotated", "DEBUG": "1"},
    }

    masked = configuration.describe_changes(DEPLOYED, wanted)
    shown = configuration.describe_changes(DEPLOYED, wanted, show_values=True)

    assert masked == [
        'Description: "" → "mine"',
        "Timeout: 3 → 10",
        "Environment: DEBUG added (••••••), COLOR removed, API_KEY changed",
    ]
    assert SECRET not in "".join(masked) and "rotated" not in "".join(masked)
    assert shown[-1] == (
        "Environment: DEBUG added ('1'), COLOR removed, "
        "API_KEY changed ('s3cr3t-value' → 'rotated')"
    )
    assert configuration.masked(DEPLOYED)["Environment"] == {"API_KEY": "••••••", "COLOR": "••••••"}
