"""`contact-user-signed-in`: tell the user about the sign-in."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import UserSignedInEvent
from zombilet_contact.events.listeners.base import MailListener


class UserSignedInListener(MailListener[UserSignedInEvent]):
    async def on_message(self, event: UserSignedInEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.alert_sign_in(event, delivery))
