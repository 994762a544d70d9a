"""OpenAI wire models for the request side, validated but not rewritten.

The gateway validates what it must understand (model, messages, stream flags) and forwards the
client's own JSON object upstream with only `model` replaced, so fields it does not know (tools,
response_format, seed, logprobs, ...) pass through unchanged. Models allow extra fields for that
reason; field order follows the OpenAI reference.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from router.errors import InvalidRequestError

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    messages: Annotated[list[Message], Field(min_length=1)]
    model: Annotated[str, Field(min_length=1)]
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1)] | None = None
    n: Annotated[int, Field(ge=1, le=128)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


def _describe(exc: ValidationError) -> tuple[str, str | None]:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    param = ".".join(loc) if loc else None
    more = f" (and {exc.error_count() - 1} more errors)" if exc.error_count() > 1 else ""
    where = f"'{param}': " if param else ""
    return f"Invalid request: {where}{err['msg']}{more}", param


def parse_chat_request(
    raw: bytes, max_messages: int
) -> tuple[ChatCompletionRequest, dict[str, Any]]:
    """Parse and validate a request body; returns the model and the original JSON object."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestError(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequestError("Request body must be a JSON object")
    try:
        request = ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        message, param = _describe(exc)
        raise InvalidRequestError(message, param=param) from None
    if len(request.messages) > max_messages:
        raise InvalidRequestError(
            f"Too many messages: {len(request.messages)} (limit {max_messages})",
            param="messages",
            code="too_many_messages",
        )
    return request, data
