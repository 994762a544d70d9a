"""Reproducible benchmarks: `python -m bench <suite>` (or `tiergate bench <suite>`).

Suites: overhead (gateway vs the upstream called directly vs LiteLLM), classifier (score()
latency vs Presidio + spaCy), routing (APGR / CPT / AUC on the offline data), cache (hit
latency in-process and through Redis, single-flight). Every suite writes
`bench/results/<suite>.json`, with the machine, versions, command and date; every speed claim is
a ratio against a baseline measured in the same run.
"""

__all__: list[str] = []
