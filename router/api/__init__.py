"""HTTP endpoints, one module per resource."""

__all__ = ["chat", "health", "models", "route"]
