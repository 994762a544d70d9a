"""workers/http1.py against real TCP servers on 127.0.0.1 that write raw HTTP/1.1 answers: body
framings, keep-alive reuse and its races, the connection limit, back-pressure and failures."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.fakes.raw_http import Handler, Server, answer, once, read_request, serve
from workers.http1 import ConnectFailed, Pool, ResponseBroken


def keep_alive(body: bytes = b"ok") -> Handler:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        while True:
            await read_request(reader, stats)
            writer.write(answer(body))
            await writer.drain()

    return handler


async def test_a_keep_alive_connection_serves_call_after_call() -> None:
    async with serve(keep_alive(b'{"a":1}')) as (url, stats):
        pool = Pool(url, limit=4, connect_timeout=1)
        for n in range(3):
            async with await pool.request("POST", "/v1/x", {"X-N": str(n)}, b"{}") as r:
                assert (r.status, await r.read()) == (200, b'{"a":1}')
        await pool.close()
    assert stats.connections == 1 and len(stats.requests) == 3
    first = stats.requests[0]
    assert first.startswith(b"POST /v1/x HTTP/1.1\r\n")
    assert (
        b"\r\nHost: 127.0.0.1:" in first and b"\r\nX-N: 0\r\nContent-Length: 2\r\n\r\n{}" in first
    )


async def test_complete_says_whether_reading_the_body_would_wait() -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        await read_request(reader, stats)
        writer.write(answer(b"at once"))  # status line, headers and body in one write
        await writer.drain()
        await read_request(reader, stats)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.write(b"later")
        await writer.drain()

    async with serve(handler) as (url, _):
        pool = Pool(url, limit=1, connect_timeout=1)
        first = await pool.request("GET", "/", {})
        assert first.complete and await first.read() == b"at once"
        second = await pool.request("GET", "/", {})
        assert not second.complete and await second.read() == b"later"
        assert not second.complete  # read and released: nothing more to read from it
        await pool.close()


async def test_chunked_body_read_whole_and_line_by_line_across_chunk_edges() -> None:
    pieces = [b'data: {"a"', b":1}\n\ndata: [DO", b"NE]\n\n"]

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        while True:
            await read_request(reader, stats)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")
            writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
            for piece in pieces:
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                await writer.drain()
                await asyncio.sleep(0.01)
            writer.write(b"0\r\n\r\n")

    async with serve(handler) as (url, stats):
        pool = Pool(url, limit=2, connect_timeout=1)
        r = await pool.request("GET", "/", {})
        assert r.headers["content-type"] == "text/event-stream"
        lines = [line async for line in r.lines()]
        r.close()
        assert lines == [b'data: {"a":1}\n', b"\n", b"data: [DONE]\n", b"\n"]
        r = await pool.request("GET", "/", {})
        assert await r.read() == b"".join(pieces)
        await pool.close()
    assert stats.connections == 1


async def test_a_body_ended_by_the_connection_is_whole_and_not_reused() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"
    async with serve(once(closing)) as (url, stats):
        pool = Pool(url, limit=2, connect_timeout=1)
        for _ in range(2):
            r = await pool.request("GET", "/", {})
            assert await r.read() == b"until the end"
        await pool.close()
    assert stats.connections == 2


async def test_an_idle_connection_the_server_closed_is_replaced_without_an_error() -> None:
    # keep-alive by default, then closed by the server: the keep-alive race
    async with serve(once(answer(b"once"))) as (url, stats):
        pool = Pool(url, limit=2, connect_timeout=1)
        assert await (await pool.request("GET", "/", {})).read() == b"once"
        await asyncio.sleep(0.05)  # the server has closed it by now
        assert await (await pool.request("GET", "/", {})).read() == b"once"
        await pool.close()
    assert stats.connections == 2


async def test_a_reused_connection_closed_before_any_answer_byte_is_retried_once() -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        await read_request(reader, stats)
        writer.write(answer(b"first" if stats.connections == 1 else b"fresh"))
        await writer.drain()
        if stats.connections == 1:
            await read_request(reader, stats)  # the second call arrives, then the server closes

    async with serve(handler) as (url, stats):
        pool = Pool(url, limit=1, connect_timeout=1)
        assert await (await pool.request("GET", "/", {})).read() == b"first"
        assert await (await pool.request("GET", "/", {})).read() == b"fresh"
        await pool.close()
    assert stats.connections == 2 and len(stats.requests) == 3


async def test_a_fresh_connection_closed_before_any_answer_byte_is_not_retried() -> None:
    async with serve(once(b"")) as (url, stats):
        pool = Pool(url, limit=1, connect_timeout=1)
        with pytest.raises(ResponseBroken):
            await pool.request("GET", "/", {})
        await pool.close()
    assert stats.connections == 1


async def test_the_connection_limit_queues_callers() -> None:
    release = asyncio.Event()

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        while True:
            await read_request(reader, stats)
            await release.wait()
            writer.write(answer(b"x"))
            await writer.drain()

    async with serve(handler) as (url, stats):
        pool = Pool(url, limit=2, connect_timeout=1)

        async def call() -> bytes:
            async with await pool.request("GET", "/", {}) as r:
                return await r.read()

        calls = [asyncio.create_task(call()) for _ in range(5)]
        await asyncio.sleep(0.1)
        assert stats.open == 2 and len(stats.requests) == 2  # three wait for a slot
        release.set()
        assert await asyncio.gather(*calls) == [b"x"] * 5
        await pool.close()
    assert stats.most_open == 2


async def test_a_large_body_arrives_whole_through_back_pressure() -> None:
    big = bytes(range(256)) * 8192  # 2 MiB

    async with serve(once(answer(big), linger=5)) as (url, _):
        pool = Pool(url, limit=1, connect_timeout=1)
        r = await pool.request("GET", "/", {})
        await asyncio.sleep(0.2)  # let the socket fill: reading pauses at 256 KiB buffered
        received = b""
        async for line in r.lines():
            received += line
        assert received == big
        await pool.close()


async def test_an_unfinished_answer_closes_its_connection() -> None:
    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        while True:
            await read_request(reader, stats)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            await writer.drain()

    async with serve(handler) as (url, stats):
        pool = Pool(url, limit=1, connect_timeout=1)
        (await pool.request("GET", "/", {})).close()  # body never read
        (await pool.request("GET", "/", {})).close()
        await pool.close()
    assert stats.connections == 2


async def test_a_connection_broken_mid_body_raises_response_broken() -> None:
    partial = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
    async with serve(once(partial)) as (url, _):
        pool = Pool(url, limit=1, connect_timeout=1)
        r = await pool.request("GET", "/", {})
        with pytest.raises(ResponseBroken):
            await r.read()
        r.close()
        await pool.close()


async def test_garbage_instead_of_http_raises_response_broken() -> None:
    async with serve(once(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", linger=5)) as (url, _):
        pool = Pool(url, limit=1, connect_timeout=1)
        with pytest.raises(ResponseBroken):
            await pool.request("GET", "/", {})
        await pool.close()


async def test_nothing_listening_raises_connect_failed_and_frees_the_slot() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        pool = Pool(f"http://127.0.0.1:{port}", limit=1, connect_timeout=1)
        for _ in range(2):  # a leaked slot would make the second call wait forever
            with pytest.raises(ConnectFailed):
                await asyncio.wait_for(pool.request("GET", "/", {}), 2)
        await pool.close()


def test_only_http_and_https_urls() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Pool("ftp://example.org", limit=1, connect_timeout=1)


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for `localhost` and its key, made by the openssl command line."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed (apt-get install openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_https_verifies_the_server_against_the_trust_store(
    self_signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async with serve(once(answer(b"over tls"), linger=5), tls=context) as (url, _):
        untrusted = Pool(url, limit=1, connect_timeout=2)
        with pytest.raises(ConnectFailed, match="CERTIFICATE_VERIFY_FAILED"):
            await untrusted.request("GET", "/", {})
        await untrusted.close()
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read by ssl.create_default_context
        trusted = Pool(url, limit=1, connect_timeout=2)
        response = await trusted.request("GET", "/", {})
        assert await response.read() == b"over tls"
        await trusted.close()
