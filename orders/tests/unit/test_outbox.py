"""Every order event is written with its change and survives a crash before the publish."""

from bson import ObjectId

from zombilet_common.events import ExpirationCompletedEvent, PaymentCreatedEvent
from zombilet_common.outbox import OutboxRelay
from zombilet_common.testing.messages import RecordingPublisher
from zombilet_orders.main import SERVICE
from zombilet_orders.repository import OrderRepository


async def test_events_left_by_a_crash_are_published_once_at_restart(orders, buyer) -> None:
    # A relay that never runs stands for a process that died right after its writes.
    await orders.use_orders(OrderRepository(orders.db, OutboxRelay(RecordingPublisher(), [])))
    paid = await orders.placed(buyer, await orders.ticket())
    expired = await orders.placed(buyer, await orders.ticket())
    await orders.deliver(
        PaymentCreatedEvent(id=str(ObjectId()), version=0, order_id=paid["id"], stripe_id="ch_1")
    )
    orders.clock.advance(60)
    await orders.deliver(ExpirationCompletedEvent(order_id=expired["id"]))

    restarted = RecordingPublisher()
    relay = OutboxRelay(restarted, [orders.db[name] for name in SERVICE.outbox])
    await relay.start()
    await relay.stop()

    assert sorted(msg_id for _, msg_id, _ in restarted.published) == sorted(
        [
            f"order.created:{paid['id']}:0",
            f"order.completed:{paid['id']}:1",
            f"order.created:{expired['id']}:0",
            f"order.cancelled:{expired['id']}:1",
        ]
    )
    assert await orders.db.orders.count_documents({"outbox_pending": {"$gt": 0}}) == 0
