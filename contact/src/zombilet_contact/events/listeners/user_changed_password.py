"""`contact-user-changed-password`: move the replica's version, confirm the change."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import UserChangedPasswordEvent
from zombilet_contact.events.listeners.base import MailListener


class UserChangedPasswordListener(MailListener[UserChangedPasswordEvent]):
    payload = UserChangedPasswordEvent

    async def on_message(self, event: UserChangedPasswordEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.confirm_password_change(event, delivery))
