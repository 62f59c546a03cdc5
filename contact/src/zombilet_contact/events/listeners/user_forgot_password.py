"""`contact-user-forgot-password`: mail the reset link."""

from zombilet_common.bus import Answer, Delivery
from zombilet_common.events import UserForgotPasswordEvent
from zombilet_contact.events.listeners.base import MailListener


class UserForgotPasswordListener(MailListener[UserForgotPasswordEvent]):
    async def on_message(self, event: UserForgotPasswordEvent, delivery: Delivery) -> Answer:
        return self.answer(await self.use_cases.send_reset_link(event, delivery))
