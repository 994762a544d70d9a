"""tiergate's OpenAI-compatible gateway: settings, routing config, policy, API, metrics, CLI."""

__all__: list[str] = []
