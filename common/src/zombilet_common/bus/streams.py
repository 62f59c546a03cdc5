"""The JetStream streams of SPEC.md §8.1, created or brought up to date at start."""

import logging
from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from zombilet_common.events.subjects import STREAMS_BY_DOMAIN

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 120.0


def stream_config(domain: str, replicas: int = 1) -> StreamConfig:
    """`<DOMAIN>` takes `<domain>.>`: file storage, limits retention, a two-minute dedupe window,
    kept on `replicas` servers."""
    return StreamConfig(
        name=STREAMS_BY_DOMAIN[domain],
        subjects=[f"{domain}.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
    )


async def ensure_streams(
    js: JetStreamContext, domains: Iterable[str] | None = None, *, replicas: int = 1
) -> None:
    """Create each stream that is missing and update one whose config drifted (a duplicate
    window an operator made longer than two minutes is kept)."""
    for domain in domains if domains is not None else STREAMS_BY_DOMAIN:
        wanted = stream_config(domain, replicas)
        try:
            info = await js.stream_info(wanted.name or "")
        except NotFoundError:
            try:
                await js.add_stream(wanted)
                log.info("stream created", extra={"stream": wanted.name})
            except BadRequestError:
                # Another process created it between our look and our create.
                info = await js.stream_info(wanted.name or "")
            else:
                continue
        current = info.config
        if (
            current.subjects != wanted.subjects
            or (current.duplicate_window or 0) < wanted.duplicate_window
            or current.retention != wanted.retention
            or current.discard != wanted.discard
            or (current.num_replicas or 1) != wanted.num_replicas
        ):
            wanted.duplicate_window = max(current.duplicate_window or 0, wanted.duplicate_window)
            await js.update_stream(wanted)
            log.info("stream updated", extra={"stream": wanted.name})
