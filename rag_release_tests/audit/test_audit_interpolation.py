import pytest

from rag_release.audit.interpolation import InterpolationError, interpolate, shape

VARIABLES = {"SET": "value", "EMPTY": "", "PORT": "8080"}


@pytest.mark.parametrize("text, expected", [
    ("$SET", "value"),
    ("${SET}", "value"),
    ("pre-${SET}-post", "pre-value-post"),
    ("$SET.$PORT", "value.8080"),
    ("${MISSING:-fallback}", "fallback"),
    ("${EMPTY:-fallback}", "fallback"),
    ("${EMPTY-fallback}", ""),
    ("${MISSING-fallback}", "fallback"),
    ("${SET:-fallback}", "value"),
    ("${SET:+alternative}", "alternative"),
    ("${EMPTY:+alternative}", ""),
    ("${EMPTY+alternative}", "alternative"),
    ("${MISSING+alternative}", ""),
    ("${MISSING:-${SET}}", "value"),
    ("${MISSING:-${ALSO_MISSING:-deep}}", "deep"),
    ("$$SET", "$SET"),
    ("$${SET}", "${SET}"),
    ("cost: 5$", "cost: 5$"),
    ("${MISSING:-a$$b}", "a$b"),
    ("127.0.0.1:${PORT}:80", "127.0.0.1:8080:80"),
])
def test_interpolation_follows_compose(text, expected):
    assert interpolate(text, VARIABLES).value == expected


def test_unset_variables_read_as_empty_and_are_reported():
    result = interpolate("a${MISSING}b$ALSO", VARIABLES)

    assert result.value == "ab"
    assert result.unset == ["MISSING", "ALSO"]


@pytest.mark.parametrize("text, required", [
    ("${MISSING:?set it}", [("MISSING", "set it")]),
    ("${EMPTY:?set it}", [("EMPTY", "set it")]),
    ("${EMPTY?set it}", []),
    ("${MISSING?}", [("MISSING", "")]),
    ("${SET:?set it}", []),
])
def test_required_variables(text, required):
    assert interpolate(text, VARIABLES).required == required


@pytest.mark.parametrize("text", ["${", "${SET", "${}", "${1ABC}", "${SET%%x}"])
def test_invalid_syntax_is_refused(text):
    with pytest.raises(InterpolationError):
        interpolate(text, VARIABLES)


def test_shape_separates_literal_text_from_references():
    assert shape("hunter2").literal == "hunter2"
    assert shape("hunter2").names == []
    assert shape("${A}").literal == ""
    assert shape("${A:-literal}").fallbacks == ["A"]
    assert shape("${A:-${B}}").fallbacks == []
    assert shape("${A:?why}").required == ["A"]
    assert shape("$${NOT_A_REFERENCE}").names == []
