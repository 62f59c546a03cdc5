"""`contact-user-signed-in`: tell the user about the sign-in."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import UserSignedInEvent
from zombilet_contact.events.listeners.base import MailListener


class UserSignedInListener(MailListener[UserSignedInEvent]):
    payload = UserSignedInEvent

    async def on_message(self, event: UserSignedInEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.alert_sign_in(event, delivery))
