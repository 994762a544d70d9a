"""Upstream clients, pools with health checks, the fallback loop, and local model workers."""

__all__: list[str] = []
