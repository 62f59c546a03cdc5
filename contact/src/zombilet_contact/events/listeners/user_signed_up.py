"""`contact-user-signed-up`: create the replica, welcome the new user."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import UserSignedUpEvent
from zombilet_contact.events.listeners.base import MailListener


class UserSignedUpListener(MailListener[UserSignedUpEvent]):
    async def on_message(self, event: UserSignedUpEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.welcome_user(event, delivery))
