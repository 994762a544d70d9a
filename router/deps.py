"""Typed dependency aliases: how handlers reach the per-process state built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from router.gateway import Gateway


async def get_gateway(request: Request) -> Gateway:  # async: no threadpool hop
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
