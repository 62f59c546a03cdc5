"""The stream configuration every service asks JetStream for (SPEC.md §8.1)."""

from nats.js.api import StorageType

from zombilet_common.bus import stream_config
from zombilet_common.events.subjects import STREAMS_BY_DOMAIN


def test_a_stream_is_kept_on_one_server_unless_told_otherwise() -> None:
    config = stream_config("ticket")
    assert config.num_replicas == 1
    assert (config.name, config.subjects) == (STREAMS_BY_DOMAIN["ticket"], ["ticket.>"])
    assert config.storage == StorageType.FILE


def test_a_cluster_keeps_each_stream_on_as_many_servers_as_asked() -> None:
    assert [stream_config(domain, 3).num_replicas for domain in STREAMS_BY_DOMAIN] == [3] * len(
        STREAMS_BY_DOMAIN
    )
