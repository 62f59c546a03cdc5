"""The test-mode payment methods the order page offers, and what payments is sent for each.

The form offers Stripe's test PaymentMethods (SPEC 11.3). Payments speaks the Charges API and
knows only the matching test tokens, so the two it knows are translated here, and only here;
drop the translation once payments accepts PaymentMethods. A value without a translation is
sent as it is, so payments' own message ("The payment token is invalid.") shows.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CardChoice:
    value: str
    label: str


TEST_MODE_CARDS = (
    CardChoice("pm_card_visa", "Test card that succeeds (pm_card_visa)"),
    CardChoice("pm_card_chargeDeclined", "Test card that is declined (pm_card_chargeDeclined)"),
    CardChoice(
        "pm_card_authenticationRequired",
        "Test card that asks for authentication (pm_card_authenticationRequired)",
    ),
)
DEFAULT_CARD = TEST_MODE_CARDS[0].value

_CHARGES_API_TOKENS = {
    "pm_card_visa": "tok_visa",
    "pm_card_chargeDeclined": "tok_chargeDeclined",
}


def payment_token(value: str) -> str:
    """What to send payments as `token` for the form's `value`."""
    return _CHARGES_API_TOKENS.get(value, value)
