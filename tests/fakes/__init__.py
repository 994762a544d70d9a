"""Real-part test doubles: OpenAI-compatible upstream, uvicorn thread runner, redis-server."""
