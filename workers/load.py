"""vLLM load awareness: how busy a local replica is, read from its Prometheus `/metrics`.

vLLM exports `vllm:num_requests_waiting` (requests queued for a slot) and the KV-cache usage
(`vllm:gpu_cache_usage_perc` in older releases, `vllm:kv_cache_usage_perc` in newer ones, a
0..1 fraction despite the name), one series per served model. A replica past its configured
bounds is *saturated*: the policy then sends non-sensitive requests to the frontier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from router.routing import Saturation

WAITING = "vllm:num_requests_waiting"
KV_USAGE = ("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")


class MetricsSource(Protocol):
    async def get_text(self, path: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Load:
    waiting: float | None = None
    kv_usage: float | None = None

    def over(self, limits: Saturation) -> bool:
        waiting = limits.max_waiting is not None and self.waiting is not None
        if waiting and self.waiting > limits.max_waiting:  # type: ignore[operator]
            return True
        return (
            limits.max_kv_cache_usage is not None
            and self.kv_usage is not None
            and self.kv_usage >= limits.max_kv_cache_usage
        )


def _sample(line: str, name: str) -> float | None:
    if not line.startswith(name) or line[len(name) : len(name) + 1] not in ("{", " "):
        return None
    try:
        return float(line.rsplit(" ", 1)[1])
    except (IndexError, ValueError):
        return None


def parse_vllm_metrics(text: str) -> Load:
    """Waiting requests summed over models; KV-cache usage as the highest series."""
    waiting: float | None = None
    kv: float | None = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if (v := _sample(line, WAITING)) is not None:
            waiting = (waiting or 0.0) + v
        for name in KV_USAGE:
            if (v := _sample(line, name)) is not None:
                kv = v if kv is None else max(kv, v)
    return Load(waiting, kv)


async def read_load(client: MetricsSource) -> Load | None:
    text = await client.get_text("/metrics")
    return parse_vllm_metrics(text) if text is not None else None
