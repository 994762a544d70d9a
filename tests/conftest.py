"""Shared fixtures: real HTTP doubles on 127.0.0.1 and a real redis-server. Nothing here mocks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from tests.fakes.redis_server import RedisServer, RedisServerNotInstalledError
from tests.fakes.upstream import UpstreamDouble


@pytest.fixture
def make_upstream_double() -> Iterator[Callable[..., UpstreamDouble]]:
    """Factory for running upstream doubles (e.g. a local and a hosted one). All of them stop
    when the test ends. Keyword arguments go to UpstreamDouble (model_name=...)."""
    with contextlib.ExitStack() as stack:

        def make(**kwargs: Any) -> UpstreamDouble:
            return stack.enter_context(UpstreamDouble(**kwargs))

        yield make


@pytest.fixture
def upstream_double(make_upstream_double: Callable[..., UpstreamDouble]) -> UpstreamDouble:
    """A running UpstreamDouble. `.url` is its OpenAI base URL (ends in /v1)."""
    return make_upstream_double()


def _new_redis_server() -> RedisServer:
    try:
        return RedisServer()
    except RedisServerNotInstalledError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session. Use `redis_url` in tests: it flushes first."""
    with _new_redis_server() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """URL of the session Redis, emptied (FLUSHALL) before the test. Restarted first if an
    earlier test stopped it."""
    redis_server.ensure_running()
    client = redis.Redis.from_url(redis_server.url, socket_timeout=5)
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url


@pytest.fixture
def make_redis_server() -> Iterator[Callable[[], RedisServer]]:
    """Factory for private, running Redis servers, for tests that stop/start Redis mid-run
    without disturbing the session one. All are stopped when the test ends."""
    with contextlib.ExitStack() as stack:

        def make() -> RedisServer:
            return stack.enter_context(_new_redis_server())

        yield make
