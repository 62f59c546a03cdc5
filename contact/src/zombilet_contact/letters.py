"""The subject and plain-text body of each e-mail (SPEC.md §10.3), rendered from templates."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined

from zombilet_common.events import (
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    TicketCreatedEvent,
    TicketUpdatedEvent,
    UserChangedPasswordEvent,
    UserForgotPasswordEvent,
    UserSignedInEvent,
    UserSignedUpEvent,
)


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def utc(value: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS UTC`."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def money(price: float) -> str:
    """`£16.99`: major units, always two decimals."""
    return f"£{price:.2f}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("zombilet_contact", "templates"),
        autoescape=False,  # plain text: nothing is HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["utc"] = utc
    env.filters["money"] = money
    return env


class Letters:
    """One method per trigger; links start at PUBLIC_URL."""

    def __init__(self, public_url: str) -> None:
        self._public_url = public_url.rstrip("/")
        self._env = _environment()

    def _render(self, subject: str, template: str, **facts: Any) -> Letter:
        body = self._env.get_template(template).render(public_url=self._public_url, **facts)
        return Letter(subject=subject, body=body)

    def welcome(self, event: UserSignedUpEvent) -> Letter:
        return self._render("Welcome to Zombilet!", "user_signed_up.txt", user=event)

    def sign_in(self, event: UserSignedInEvent, at: datetime) -> Letter:
        return self._render("Sign In Activity | Zombilet!", "user_signed_in.txt", user=event, at=at)

    def reset_password(self, event: UserForgotPasswordEvent) -> Letter:
        query = urlencode({"token": event.token.value, "type": event.token.type})
        return self._render(
            "Reset Password | Zombilet",
            "user_forgot_password.txt",
            user=event,
            link=f"{self._public_url}/auth/reset-password?{query}",
            expires_at=event.token.expires_at,
        )

    def password_changed(self, event: UserChangedPasswordEvent) -> Letter:
        return self._render("Changed Password | Zombilet", "user_changed_password.txt", user=event)

    def ticket_created(self, event: TicketCreatedEvent) -> Letter:
        return self._render("Ticket Created | Zombilet", "ticket_created.txt", ticket=event)

    def ticket_updated(self, event: TicketUpdatedEvent) -> Letter:
        return self._render("Ticket Updated | Zombilet", "ticket_updated.txt", ticket=event)

    def order_created(self, event: OrderCreatedEvent) -> Letter:
        return self._render("Order Created | Zombilet", "order_created.txt", order=event)

    def order_cancelled(self, event: OrderCancelledEvent) -> Letter:
        return self._render("Order Cancelled | Zombilet", "order_cancelled.txt", order=event)

    def order_completed(self, event: OrderCompletedEvent) -> Letter:
        return self._render("Order Completed | Zombilet", "order_completed.txt", order=event)
