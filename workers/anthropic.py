"""Talking to Anthropic's Messages API as if it were an OpenAI-compatible upstream.

`AnthropicUpstream` has the interface of `OpenAIUpstream` (and reuses its connection pool,
health probe and POST plumbing): the gateway hands it an OpenAI chat payload and gets back an
OpenAI `chat.completion` or a `ChunkStream` of OpenAI chunks. The translation itself lives in
three pure modules: `anthropic_request` (request), `anthropic_response` (answer, usage, errors)
and `anthropic_stream` (event stream).

Errors keep the gateway's split by whose fault they are: Anthropic's 429 `rate_limit_error`,
500 `api_error` and 529 `overloaded_error` are `UpstreamFailure`s (the next target is tried;
all-429 becomes the gateway's 429), every other 4xx is relayed with its status in OpenAI's shape.
Base URL convention: `https://api.anthropic.com/v1` (requests go to `{base_url}/messages`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

import orjson

from router.errors import RelayedError
from router.routing import Upstream
from workers.anthropic_request import to_messages_request
from workers.anthropic_response import openai_error, to_chat_completion
from workers.anthropic_stream import StreamTranslator, translate_events
from workers.failures import UpstreamFailure
from workers.http1 import Response
from workers.sse import iter_sse
from workers.upstream import Completion, OpenAIUpstream

ANTHROPIC_VERSION: Final = "2023-06-01"

__all__ = ["ANTHROPIC_VERSION", "AnthropicUpstream"]


def _include_usage(payload: Mapping[str, Any]) -> bool:
    options = payload.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


class AnthropicUpstream(OpenAIUpstream):
    """Client for kind `anthropic`: OpenAI in, Anthropic Messages on the wire, OpenAI out."""

    def __init__(self, name: str, spec: Upstream, api_key: str | None) -> None:
        super().__init__(name, spec, None)
        self._path = self._base_path + "/messages"
        self._headers = {
            "Content-Type": "application/json",
            "User-Agent": "tiergate",
            "anthropic-version": ANTHROPIC_VERSION,
        }
        if api_key:
            self._headers["x-api-key"] = api_key

    async def _post(self, payload: Mapping[str, Any]) -> Response:
        """As OpenAIUpstream's, with Anthropic's error bodies mapped to OpenAI's."""
        try:
            return await super()._post(payload)
        except RelayedError as exc:  # parsed from {"type": "error", "error": {type, message}}
            if exc.instance_code == "upstream_auth_failed":
                raise
            raise openai_error(
                exc.relayed_status, exc.relayed_type, exc.message, exc.headers
            ) from None

    def _wire_request(self, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        return to_messages_request(payload)

    def _completion(self, raw: bytes, payload: Mapping[str, Any]) -> Completion:
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(self.name, "malformed", "answer is not JSON") from None
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            raise UpstreamFailure(self.name, "malformed", "answer has no content")
        body = to_chat_completion(message, str(payload.get("model") or message.get("model")))
        return Completion(body, orjson.dumps(body))

    def _stream_events(self, resp: Response, payload: Mapping[str, Any]) -> AsyncIterator[bytes]:
        """Anthropic's event stream, translated to OpenAI chunk payloads as they arrive."""
        translator = StreamTranslator(
            self.name, str(payload.get("model") or ""), _include_usage(payload)
        )
        return translate_events(iter_sse(resp.lines()), translator)
