"""Parse messages in batches, on other processors while the caller writes the previous batch.

Parsing (MIME, charsets, quotation) and writing (the database) each take about half of an
import; in worker processes the parsing overlaps the writing instead of adding to it.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from sredesk.adapters.mail.parse import ParsedMessage, parse

log = logging.getLogger("sredesk.mail")


def _parse_all(raws: list[bytes], limit: int) -> list[ParsedMessage]:
    return [parse(raw, attachment_limit=limit) for raw in raws]


def _chunks(messages: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for raw in messages:
        chunk.append(raw)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def parsed_batches(
    messages: Iterable[bytes], *, size: int, limit: int, workers: int = 0
) -> Iterator[list[ParsedMessage]]:
    """Batches of parsed messages in input order; `workers` > 0 parses in that many processes."""
    if workers < 1:
        for raws in _chunks(messages, size):
            yield _parse_all(raws, limit)
        return
    try:
        # forkserver, not fork: the caller may hold database connections and threads.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
    except (OSError, ValueError) as error:
        log.warning("parsing in this process: no worker processes (%s)", error)
        yield from parsed_batches(messages, size=size, limit=limit)
        return
    with pool:
        pending: deque[Future[list[ParsedMessage]]] = deque()
        for raws in _chunks(messages, size):
            pending.append(pool.submit(_parse_all, raws, limit))
            # A few batches ahead keeps the workers busy without holding the archive in memory.
            if len(pending) > workers + 1:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
