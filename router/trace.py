"""What is known about one request as it moves through the steps: id, timing, scores, route.

It renders the `x-tiergate-*` headers (on answers and on errors alike) and the log line, so every
step reports the same facts the same way.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

from classifier.scores import Scores
from router.policy import Route

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id(incoming: str | None) -> str:
    """Keep a caller's sane `x-request-id` (for tracing across hops), else make one."""
    if incoming and _SAFE_ID.match(incoming):
        return incoming
    return "req_" + os.urandom(16).hex()  # 128 random bits; uuid4() spends 4x longer on the same


@dataclass(slots=True)
class Trace:
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    tenant: str = "-"
    scores: Scores | None = None
    route: Route | None = None
    tier: str = "none"
    model: str = "none"
    reason: str = "none"
    cache: str = "bypass"
    messages: list[Any] | None = None  # kept only when prompt capture is on
    first_token: float | None = None  # seconds to a stream's first chunk

    def routed(self, route: Route) -> None:
        self.route = route
        self.tier, self.model, self.reason = route.tier, route.model, route.reason

    def served_by(self, tier: str, model: str, fell_back: bool) -> None:
        if fell_back and tier != self.tier:
            self.reason = f"fallback_{tier}"
        self.tier, self.model = tier, model

    def headers(self, cost: float | None = None) -> dict[str, str]:
        h = {"x-request-id": self.request_id, "x-tiergate-cache": self.cache}
        if self.scores is not None:
            h["x-tiergate-difficulty"] = f"{self.scores.difficulty:.4f}"
            h["x-tiergate-sensitivity"] = f"{self.scores.sensitivity:.4f}"
        if self.route is not None:
            h["x-tiergate-tier"] = self.tier
            h["x-tiergate-model"] = self.model
            h["x-tiergate-reason"] = self.reason
        if cost is not None:
            h["x-tiergate-cost-usd"] = f"{cost:.8f}"
        return h
