"""NATS JetStream: connection, streams, the publisher and the listener base."""

from zombilet_common.bus.connect import connect_nats
from zombilet_common.bus.delivery import Delivery, Message
from zombilet_common.bus.listener import Listener, ServiceListener
from zombilet_common.bus.outcomes import Ack, Answer, Nak, NotYet, backoff
from zombilet_common.bus.publisher import Publisher
from zombilet_common.bus.streams import ensure_streams, stream_config

__all__ = [
    "Ack",
    "Answer",
    "Delivery",
    "Listener",
    "Message",
    "Nak",
    "NotYet",
    "Publisher",
    "ServiceListener",
    "backoff",
    "connect_nats",
    "ensure_streams",
    "stream_config",
]
