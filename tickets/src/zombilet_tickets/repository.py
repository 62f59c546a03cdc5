"""Every read and write of tickets' database."""

from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.collection import Collection
from zombilet_common.dialect import object_id
from zombilet_common.events import TicketCreatedEvent, TicketUpdatedEvent
from zombilet_common.mongo import Document
from zombilet_common.outbox import OutboxRelay
from zombilet_common.versioning import VersionConflict
from zombilet_tickets.models import Ticket


class TicketRepository:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.tickets = Collection(db, "tickets", relay=relay)

    async def get(self, ticket_id: str) -> Ticket | None:
        doc = await self.tickets.get(ticket_id)
        return None if doc is None else Ticket.from_document(doc)

    async def page(self, limit: int, before: str | None) -> list[Ticket]:
        """At most `limit` tickets with an id below `before`, newest (highest id) first."""
        query = {} if before is None else {"_id": {"$lt": object_id(before)}}
        docs = await self.tickets.find(query, sort=("_id", -1), limit=limit)
        return [Ticket.from_document(doc) for doc in docs]

    async def insert(self, ticket: Ticket, event: TicketCreatedEvent) -> None:
        """Store a new ticket at version 0 with its `ticket.created` event."""
        await self.tickets.insert(ticket.id, ticket.document(), event)

    async def change(self, read: Ticket, changed: Ticket, event: TicketUpdatedEvent) -> None:
        """Store the new title and price, conditional on the version of `read`."""
        fields = {"title": changed.title, "price": changed.price}
        await self.tickets.update(read.id, read.version, {"$set": fields}, event)

    async def reserve(self, read: Ticket, changed: Ticket, event: TicketUpdatedEvent) -> None:
        """Name the new holder; an earlier holder joins `released`.

        Conditional on the version read and on the holder not having been released since, so a
        cancellation that slipped in between (it does not move the version) wins.
        """
        holder = changed.order_id
        update: Document = {"$set": {"order_id": holder}}
        if read.order_id is not None:
            update["$addToSet"] = {"released": read.order_id}
        await self.tickets.update(
            read.id, read.version, update, event, where={"released": {"$nin": [holder]}}
        )

    async def release(
        self, read: Ticket, changed: Ticket, event: TicketUpdatedEvent | None
    ) -> None:
        """Remember the released order; with `event`, it was the holder and is cleared."""
        (order_id,) = set(changed.released) - set(read.released)
        if event is None:
            # Nothing public changes: no version, no event.
            if not await self.tickets.update_where(
                read.id, {"version": read.version}, {"$addToSet": {"released": order_id}}
            ):
                raise VersionConflict("tickets", read.id, expected=read.version)
            return
        update = {"$set": {"order_id": None}, "$addToSet": {"released": order_id}}
        await self.tickets.update(
            read.id, read.version, update, event, where={"order_id": order_id}
        )
