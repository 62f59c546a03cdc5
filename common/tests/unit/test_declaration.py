"""A service declared once: its name gives durables, title and database; its listeners get
their payload from `ServiceListener[E, U]`."""

from typing import ClassVar

from zombilet_common.bus import Ack, Answer, Delivery, ServiceListener
from zombilet_common.declaration import ServiceDeclaration
from zombilet_common.events import OrderCreatedEvent, TicketCreatedEvent
from zombilet_common.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "shop"


class UseCases:
    pass


class TicketCreatedListener(ServiceListener[TicketCreatedEvent, UseCases]):
    async def on_message(self, event: TicketCreatedEvent, delivery: Delivery) -> Answer:
        return Ack()


class OrderCreatedListener(ServiceListener[OrderCreatedEvent, UseCases]):
    async def on_message(self, event: OrderCreatedEvent, delivery: Delivery) -> Answer:
        return Ack()


SERVICE = ServiceDeclaration(
    Settings, listeners=(TicketCreatedListener, OrderCreatedListener), outbox=("things",)
)


def test_the_settings_name_gives_the_title_and_the_durables() -> None:
    use_cases = UseCases()
    listeners = SERVICE.build_listeners(use_cases)

    assert SERVICE.name == "shop"
    assert SERVICE.title == "zombilet-shop"
    assert [listener.durable_name() for listener in listeners] == [
        "shop-ticket-created",
        "shop-order-created",
    ]
    assert all(
        isinstance(listener, ServiceListener) and listener.use_cases is use_cases
        for listener in listeners
    )


def test_the_payload_comes_from_the_declared_event() -> None:
    assert TicketCreatedListener.payload is TicketCreatedEvent
    assert OrderCreatedListener.payload is OrderCreatedEvent
    config = SERVICE.build_listeners(UseCases())[1].consumer_config()
    assert config.filter_subject == "order.created"
