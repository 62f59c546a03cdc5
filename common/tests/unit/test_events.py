"""The event catalogue: one model per subject, camelCase on the wire, SPEC's message ids."""

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from zombilet_common.events import (
    REGISTRY,
    ExpirationCompletedEvent,
    OrderCreatedEvent,
    OrderTicket,
    Subject,
    UserSignedInEvent,
)

ORDER = "a" * 24


def test_every_subject_has_its_model() -> None:
    assert set(REGISTRY) == set(Subject)
    assert all(model.subject is subject for subject, model in REGISTRY.items())


def test_payload_is_camel_case_with_millisecond_utc_times() -> None:
    event = OrderCreatedEvent(
        id=ORDER,
        version=0,
        status="created",
        user_id="b" * 24,
        expires_at=datetime(2025, 3, 1, 12, 0, 5, 123000, tzinfo=UTC),
        ticket=OrderTicket(id="c" * 24, title="Show", price=16.99),
    )
    wire = event.to_bytes()
    assert b'"userId":"bbbbbbbbbbbbbbbbbbbbbbbb"' in wire
    assert b'"expiresAt":"2025-03-01T12:00:05.123Z"' in wire
    assert OrderCreatedEvent.from_bytes(wire) == event


def test_python_names_are_not_wire_names() -> None:
    with pytest.raises(ValidationError):
        ExpirationCompletedEvent.from_bytes(b'{"order_id": "' + ORDER.encode() + b'"}')


def test_message_ids_follow_spec() -> None:
    assert ExpirationCompletedEvent(order_id=ORDER).message_id() == f"expiration.completed:{ORDER}"
    signed_in = UserSignedInEvent(id=ORDER, version=3)
    assert signed_in.message_id("e" * 32) == f"user.signed-in:{ORDER}:{'e' * 32}"


def order_created(**changes: object) -> bytes:
    """An `order.created` body as the wire carries it, with some fields changed."""
    body: dict[str, object] = {
        "id": ORDER,
        "version": 0,
        "status": "created",
        "userId": "b" * 24,
        "expiresAt": "2025-03-01T12:00:05.123Z",
        "ticket": {"id": "c" * 24, "title": "Show", "price": 16},
    }
    return json.dumps({**body, **changes}).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "3"},
        {"version": True},
        {"version": 1.5},
        {"expiresAt": "2025-03-01T12:00:05"},
        {"expiresAt": 1740830405},
        {"ticket": {"id": "c" * 24, "title": "Show", "price": "16"}},
        {"userId": None},
    ],
)
def test_a_payload_off_the_wire_is_read_strictly(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        OrderCreatedEvent.from_bytes(order_created(**changes))


def test_a_time_off_the_wire_may_have_any_zone() -> None:
    event = OrderCreatedEvent.from_bytes(order_created(expiresAt="2025-03-01T14:00:05.123+02:00"))

    assert event.expires_at == datetime(2025, 3, 1, 12, 0, 5, 123000, tzinfo=UTC)
    assert event.ticket.price == 16.0
