"""The test-mode payment methods the order page offers (SPEC 11.3).

Each is one of Stripe's test PaymentMethods, sent to payments as the `token` exactly as chosen;
payments' offline gateway and Stripe's test mode both know them. Anything else a form sends
goes through as it is, so payments' own message ("The payment token is invalid.") shows.
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
