import pytest

from core.untrusted_json import MAX_DEPTH, TooDeep, loads


def nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("raw", ['"text"', "3", "null", "{}", nested(MAX_DEPTH)])
def test_it_reads_json_up_to_the_depth_limit(raw):
    loads(raw)


@pytest.mark.parametrize(
    "raw", [nested(MAX_DEPTH + 1), nested(100_000), '{"a": ' + nested(40) + "}"]
)
def test_it_refuses_json_nested_deeper(raw):
    with pytest.raises(TooDeep, match="nested more than 32 levels"):
        loads(raw)


def test_it_counts_the_deepest_branch_not_the_widest():
    assert loads("[" + ",".join(["[1]"] * 5000) + "]")[0] == [1]
    with pytest.raises(ValueError, match="nested"):
        loads('[[1], {"deep": ' + nested(MAX_DEPTH) + "}]")
