import pytest

from rag_release.audit.dotenv import parse_env_text, read_env_file
from rag_release.errors import AuditInputError

TEXT = """\
# a comment
PLAIN=value
export EXPORTED=yes
SPACED = padded value   # trailing comment
HASH=a#b
SINGLE='${NOT_EXPANDED} # kept'
DOUBLE="line\\nnext ${PLAIN}"
DOLLAR="cost \\$5"
REF=${FROM_SHELL}
CHAINED=${PLAIN}-2
DEFAULTED=${MISSING:-fallback}
EMPTY=
BARE
"""


def test_values_are_read_as_compose_reads_them():
    env = parse_env_text(TEXT, ".env", {"FROM_SHELL": "shell", "BARE": "from shell"})
    values = env.values()

    assert values["PLAIN"] == "value"
    assert values["EXPORTED"] == "yes"
    assert values["SPACED"] == "padded value"
    assert values["HASH"] == "a#b"
    assert values["SINGLE"] == "${NOT_EXPANDED} # kept"
    assert values["DOUBLE"] == "line\nnext value"
    assert values["DOLLAR"] == "cost $5"
    assert values["REF"] == "shell"
    assert values["CHAINED"] == "value-2"
    assert values["DEFAULTED"] == "fallback"
    assert values["EMPTY"] == ""
    assert values["BARE"] == "from shell"


def test_entries_keep_what_was_written_and_where():
    env = parse_env_text(TEXT, "envs/x.env", {})

    assert env.entries["REF"].raw == "${FROM_SHELL}"
    assert env.entries["REF"].value == ""
    assert env.entries["SINGLE"].quote == "'"
    assert env.where("REF") == "envs/x.env:9"


def test_a_malformed_line_names_file_and_line_without_its_value():
    with pytest.raises(AuditInputError) as e:
        parse_env_text("GOOD=1\nnot a line=hunter2\n", "envs/prod.env", {})

    assert str(e.value).startswith("envs/prod.env:2: expected KEY=VALUE")
    assert "hunter2" not in str(e.value)


def test_an_unclosed_quote_is_refused():
    with pytest.raises(AuditInputError, match=r"x.env:1: KEY: .*never closes"):
        parse_env_text('KEY="open\n', "x.env", {})


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(AuditInputError, match="cannot be read"):
        read_env_file(tmp_path / "absent.env", {})
