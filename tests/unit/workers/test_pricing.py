"""The shipped pricing table and its lookup."""

from __future__ import annotations

import datetime

import pytest

from router.routing import Price
from workers.pricing import load_table, match_price, price_for, shipped_table


def test_shipped_table_is_dated_and_covers_the_common_frontier_models() -> None:
    table = shipped_table()
    assert datetime.date.fromisoformat(table.as_of).year >= 2026
    for model in (
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4o",
        "gpt-4o-mini",
        "o3",
        "o4-mini",
        "claude-opus-4-5",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-3-5-haiku",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
    ):
        price = table.prices[model]
        assert 0 < price.input <= price.output, model


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4.1", (2.0, 8.0)),
        ("gpt-4.1-2025-04-14", (2.0, 8.0)),
        ("gpt-4.1-mini-2025-04-14", (0.4, 1.6)),
        ("gpt-4o-mini-2024-07-18", (0.15, 0.6)),
        ("claude-sonnet-4-20250514", (3.0, 15.0)),
        ("claude-sonnet-4-5-20250929", (3.0, 15.0)),
        ("claude-3-5-sonnet-latest", (3.0, 15.0)),
        ("models/gemini-2.5-flash", (0.3, 2.5)),
        ("gemini-2.5-flash-preview-05-20", (0.3, 2.5)),
    ],
)
def test_exact_then_versioned_lookup(model: str, expected: tuple[float, float]) -> None:
    price = price_for(model)
    assert price is not None
    assert (price.input, price.output) == expected


@pytest.mark.parametrize("model", ["smollm2-135m", "claude-opus-4-9", "gpt-4.1-turbo", "o3-pro"])
def test_unknown_models_and_non_version_suffixes_have_no_price(model: str) -> None:
    assert price_for(model) is None


def test_overrides_win_over_the_shipped_table() -> None:
    overrides = {"gpt-4.1": Price(input=1.0, output=4.0)}
    assert price_for("gpt-4.1-2025-04-14", overrides) == Price(input=1.0, output=4.0)
    assert price_for("gpt-4o", overrides) == Price(input=2.5, output=10.0)


def test_longest_match_wins() -> None:
    prices = {"a": Price(input=1), "a-mini": Price(input=2)}
    assert match_price("a-mini-2025-01-01", prices) == Price(input=2)


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError):
        load_table({"models": {}})
    with pytest.raises(ValueError):
        load_table({"as_of": "2026-01-01", "models": {"x": {"input": -1}}})
