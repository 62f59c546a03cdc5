"""`contact-user-forgot-password`: mail the reset link."""

from zombilet_common.bus import Ack, Delivery, Nak
from zombilet_common.events import UserForgotPasswordEvent
from zombilet_contact.events.listeners.base import MailListener


class UserForgotPasswordListener(MailListener[UserForgotPasswordEvent]):
    payload = UserForgotPasswordEvent

    async def on_message(self, event: UserForgotPasswordEvent, delivery: Delivery) -> Ack | Nak:
        return self.answer(await self._contact.send_reset_link(event, delivery))
