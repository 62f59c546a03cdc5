"""`contact-user-signed-up`: create the replica, welcome the new user."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import UserSignedUpEvent
from zombilet_contact.events.listeners.base import MailListener


class UserSignedUpListener(MailListener[UserSignedUpEvent]):
    payload = UserSignedUpEvent

    async def on_message(self, event: UserSignedUpEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.welcome_user(event, delivery))
