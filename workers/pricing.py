"""Prices of the common hosted models, so cost metrics work without typing prices in by hand.

The table ships as `workers/pricing.json` (USD per million input / output tokens, with the date
it was compiled and its sources). A tier's explicit `price` in the routing file always wins;
the table is the fallback for tiers that name none.

Lookup is exact first, then the longest table name the model extends with a *version suffix*
only (a date such as `-2025-04-14` or `-20250514`, `-latest`, `-preview...`, `-exp...`, a
`-001` revision, a Vertex `@20250514` or Bedrock `-v1:0` tag). So `gpt-4.1-2025-04-14` is
priced as `gpt-4.1`, but `gpt-4.1-nano` is never priced as `gpt-4.1`, and an unknown newer
model (`claude-opus-4-9`) gets no price rather than an old model's. A leading `provider/` or
Gemini's `models/` is ignored.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from router.routing import Price

__all__ = ["PriceTable", "load_table", "price_for", "shipped_table"]

_VERSION_SUFFIX: Final = re.compile(
    r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-latest|-preview(?:-[\w.-]+)?|-exp(?:-[\w.-]+)?"
    r"|-\d{3}|@\d{8}|-v\d+(?::\d+)?)"
)


@dataclass(frozen=True, slots=True)
class PriceTable:
    as_of: str  # ISO date the table was compiled
    prices: Mapping[str, Price]

    def lookup(self, model: str) -> Price | None:
        return match_price(model, self.prices)


def _normalise(model: str) -> str:
    return model.strip().rsplit("/", 1)[-1]


def match_price(model: str, prices: Mapping[str, Price]) -> Price | None:
    """Exact name, else the longest name `model` extends with a version suffix only."""
    name = _normalise(model)
    if name in prices:
        return prices[name]
    suffix = _VERSION_SUFFIX.fullmatch
    versioned = [key for key in prices if name.startswith(key) and suffix(name[len(key) :])]
    return prices[max(versioned, key=len)] if versioned else None


def load_table(data: Mapping[str, Any]) -> PriceTable:
    """A table from its parsed JSON (`{"as_of": ..., "models": {name: {input, output}}}`)."""
    models = data.get("models")
    if not isinstance(models, Mapping) or not isinstance(data.get("as_of"), str):
        raise ValueError("a pricing table needs 'as_of' (a date) and 'models' (a mapping)")
    prices = {str(name): Price.model_validate(spec) for name, spec in models.items()}
    return PriceTable(data["as_of"], prices)


@functools.cache
def shipped_table() -> PriceTable:
    """The table shipped in the package (read once, on first use; never at import)."""
    text = resources.files("workers").joinpath("pricing.json").read_text(encoding="utf-8")
    return load_table(json.loads(text))


def price_for(model: str, overrides: Mapping[str, Price] | None = None) -> Price | None:
    """The price of `model`: from `overrides` (e.g. prices in the routing file) if one
    matches, else from the shipped table; None when neither knows the model."""
    if overrides:
        found = match_price(model, overrides)
        if found is not None:
            return found
    return shipped_table().lookup(model)
