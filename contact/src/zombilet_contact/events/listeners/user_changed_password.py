"""`contact-user-changed-password`: move the replica's version, confirm the change."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import UserChangedPasswordEvent
from zombilet_contact.events.listeners.base import MailListener


class UserChangedPasswordListener(MailListener[UserChangedPasswordEvent]):
    async def on_message(self, event: UserChangedPasswordEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.confirm_password_change(event, delivery))
