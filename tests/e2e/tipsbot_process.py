"""`python -m bot ...` as a real process for the end-to-end tests: started with the test's
environment and folder, read line by line until a needle, and never left running."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

BOT = ("-m", "bot")
PIPE = asyncio.subprocess.PIPE
STDOUT = asyncio.subprocess.STDOUT
DEVNULL = asyncio.subprocess.DEVNULL


class TipsbotProcess:
    """A started tipsbot process; its output is read from `stdout`."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @property
    def stdout(self) -> asyncio.StreamReader:
        assert self.process.stdout is not None, "started without stdout=PIPE"
        return self.process.stdout

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    async def read_until(self, needle: str, seconds: float) -> str:
        """Everything printed up to and including the first line holding `needle`; fails when
        the process ends first, or after `seconds`."""
        seen: list[str] = []

        async def scan() -> str:
            while True:
                line = await self.stdout.readline()
                if not line:
                    raise AssertionError(f"process ended before logging {needle}:\n{''.join(seen)}")
                seen.append(line.decode())
                if needle in seen[-1]:
                    return "".join(seen)

        return await asyncio.wait_for(scan(), seconds)

    async def readline(self, seconds: float) -> bytes:
        return await asyncio.wait_for(self.stdout.readline(), seconds)

    async def stop_and_read(self, needle: str, seconds: float = 30) -> tuple[str, int]:
        """SIGTERM, then what is printed up to `needle` and the exit code (each within
        `seconds`)."""
        self.process.send_signal(signal.SIGTERM)
        rest = await self.read_until(needle, seconds)
        return rest, await asyncio.wait_for(self.process.wait(), seconds)

    async def stop(self, sig: signal.Signals = signal.SIGTERM, seconds: float = 30) -> int:
        """Send `sig` and wait at most `seconds` for the exit code."""
        self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), seconds)


@asynccontextmanager
async def running_tipsbot(
    *args: str,
    env: dict[str, str],
    cwd: Path,
    command: Sequence[str] = BOT,
    stdout: int = PIPE,
    stderr: int = STDOUT,
    **options: Any,
) -> AsyncIterator[TipsbotProcess]:
    """`python -m bot *args` (or `python *command *args`; stderr joins stdout unless told
    otherwise) for the block; one still running at the end gets SIGTERM, and SIGKILL
    when it has not stopped 30 seconds later."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, *args, cwd=cwd, env=env, stdout=stdout, stderr=stderr, **options
    )
    try:
        yield TipsbotProcess(process)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def run_tipsbot(
    *args: str,
    env: dict[str, str],
    cwd: Path,
    stdin: str = "",
    seconds: float = 120,
    stderr: int = PIPE,
) -> tuple[int, str, str]:
    """Run `python -m bot *args` to its end (stopped if it takes over `seconds`): exit code,
    stdout and stderr (empty when stderr joined stdout)."""
    async with running_tipsbot(*args, env=env, cwd=cwd, stdin=PIPE, stderr=stderr) as bot:
        out, err = await asyncio.wait_for(bot.process.communicate(stdin.encode()), seconds)
    assert bot.returncode is not None
    return bot.returncode, out.decode(), (err or b"").decode()
