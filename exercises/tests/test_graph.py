"""The progression graph's pure functions: no database."""

import itertools

import pytest

from exercises.graph import find_cycle, find_path, would_create_cycle

CHAIN = [("a", "b"), ("b", "c"), ("c", "d")]


@pytest.mark.parametrize(
    ("edges", "new", "expected"),
    [
        (CHAIN, ("d", "a"), ["d", "a", "b", "c", "d"]),  # closes the loop
        (CHAIN, ("c", "b"), ["c", "b", "c"]),  # a two-cycle
        (CHAIN, ("a", "a"), ["a", "a"]),  # a self-edge
        (CHAIN, ("a", "d"), None),  # a shortcut forward is fine
        (CHAIN, ("x", "a"), None),  # a new easier exercise
        ([], ("a", "b"), None),
        ([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], ("d", "a"), ["d", "a", "b", "d"]),
    ],
)
def test_would_create_cycle(edges, new, expected):
    assert would_create_cycle(edges, new) == expected


@pytest.mark.parametrize(
    ("edges", "has_cycle"),
    [
        ([], False),
        (CHAIN, False),
        ([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], False),  # a diamond is acyclic
        ([*CHAIN, ("d", "b")], True),
        ([("a", "a")], True),
        ([("x", "y"), ("p", "q"), ("q", "p")], True),  # in a second component
    ],
)
def test_find_cycle(edges, has_cycle):
    cycle = find_cycle(edges)
    assert (cycle is not None) == has_cycle
    if cycle:
        assert cycle[0] == cycle[-1]
        for step in itertools.pairwise(cycle):
            assert step in edges


def test_find_path_is_shortest_and_directed():
    edges = [("a", "b"), ("b", "c"), ("a", "c")]
    assert find_path(edges, "a", "c") == ["a", "c"]
    assert find_path(edges, "c", "a") is None
    assert find_path(edges, "a", "a") == ["a"]
