"""The offline gateway (SPEC.md §7.5): Stripe's test payment methods and the two legacy
tokens, idempotency keys kept in payments' database, intents that wait for authentication,
every refund accepted, each call logged at INFO."""

import logging
import re
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from zombilet_payments.gateways import (
    Declined,
    IntentStatus,
    InvalidToken,
    Refunded,
    RequiresAction,
    Succeeded,
)
from zombilet_payments.gateways.offline import OfflineGateway
from zombilet_payments.repository import GatewayLedgerRepository


@pytest.fixture
def database() -> Any:
    return AsyncMongoMockClient(tz_aware=True)["payments"]


@pytest.fixture
async def offline(database: Any) -> OfflineGateway:
    ledger = GatewayLedgerRepository(database)
    await ledger.ensure_indexes()
    return OfflineGateway(ledger)


async def _charge(gateway: OfflineGateway, token: str, key: str = "key-1") -> object:
    return await gateway.pay(
        amount=1699,
        currency="gbp",
        token=token,
        idempotency_key=key,
        metadata={"orderId": "o"},
        description="Zombilet order o",
        return_url="http://localhost:8080/orders/o",
    )


@pytest.mark.parametrize("token", ["pm_card_visa", "tok_visa"])
async def test_a_succeeding_card_pays_with_an_offline_intent_id(offline, token: str) -> None:
    outcome = await _charge(offline, token)
    assert isinstance(outcome, Succeeded)
    assert re.fullmatch(r"pi_offline_[0-9a-f]{24}", outcome.intent_id)
    intent = await offline.retrieve(outcome.intent_id)
    assert (intent.status, intent.amount, intent.order_id) == (IntentStatus.SUCCEEDED, 1699, "o")


@pytest.mark.parametrize("token", ["pm_card_chargeDeclined", "tok_chargeDeclined"])
async def test_a_declined_card_is_declined(offline, token: str) -> None:
    assert await _charge(offline, token) == Declined("Your card was declined.")


@pytest.mark.parametrize("token", ["tok_mastercard", "tok_", "pm_card_amex", "ctoken_x", "x"])
async def test_any_other_token_is_invalid(offline, token: str) -> None:
    assert await _charge(offline, token) == InvalidToken()


async def test_authentication_required_waits_for_the_authentication_page(offline) -> None:
    outcome = await _charge(offline, "pm_card_authenticationRequired")

    assert isinstance(outcome, RequiresAction)
    assert outcome.next_action_url == f"/api/payments/authenticate/{outcome.intent_id}"
    assert outcome.client_secret.startswith(f"{outcome.intent_id}_secret_")
    assert (await offline.retrieve(outcome.intent_id)).status is IntentStatus.PENDING
    settled = await offline.authenticate(outcome.intent_id, completed=True)
    assert settled.status is IntentStatus.SUCCEEDED
    assert settled.return_url == "http://localhost:8080/orders/o"
    # The first answer stands: a second one cannot fail an intent that succeeded.
    again = await offline.authenticate(outcome.intent_id, completed=False)
    assert again.status is IntentStatus.SUCCEEDED


async def test_failed_authentication_fails_the_intent_and_cancel_fails_a_waiting_one(
    offline,
) -> None:
    failed = await _charge(offline, "pm_card_authenticationRequired", "key-f")
    abandoned = await _charge(offline, "pm_card_authenticationRequired", "key-a")
    assert (await offline.authenticate(failed.intent_id, completed=False)).status is (
        IntentStatus.FAILED
    )
    assert (await offline.cancel(abandoned.intent_id)).status is IntentStatus.FAILED
    assert await offline.authenticate("pi_offline_unknown", completed=True) is None


async def test_the_same_key_gives_the_same_result_and_intent_id(offline) -> None:
    first = await _charge(offline, "tok_visa", "key-a")
    again = await _charge(offline, "tok_visa", "key-a")
    other = await _charge(offline, "tok_visa", "key-b")
    declined_first = await _charge(offline, "tok_chargeDeclined", "key-c")
    declined_again = await _charge(offline, "tok_visa", "key-c")
    assert first == again
    assert other != first
    assert declined_first == declined_again


async def test_every_refund_is_accepted_once_per_key(offline) -> None:
    first = await offline.refund(intent_id="pi_x", idempotency_key="zombilet-refund-1")
    again = await offline.refund(intent_id="pi_x", idempotency_key="zombilet-refund-1")
    other = await offline.refund(intent_id="pi_unknown", idempotency_key="zombilet-refund-2")
    assert isinstance(first, Refunded)
    assert re.fullmatch(r"re_offline_[0-9a-f]{24}", first.refund_id)
    assert first == again
    assert isinstance(other, Refunded)
    assert other != first


async def test_each_call_is_logged_at_info(offline, caplog) -> None:
    caplog.set_level(logging.INFO, logger="zombilet_payments.gateways.offline")
    await _charge(offline, "tok_visa", "key-log")
    await offline.refund(intent_id="pi_x", idempotency_key="zombilet-refund-log")
    records = [r for r in caplog.records if r.name == "zombilet_payments.gateways.offline"]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", "offline payment"),
        ("INFO", "offline refund"),
    ]
    assert records[0].idempotency_key == "key-log"
    assert records[0].outcome == "succeeded"


async def test_keys_survive_a_restart(offline, database) -> None:
    first = await _charge(offline, "tok_visa", "key-r")
    restarted = OfflineGateway(GatewayLedgerRepository(database))
    assert await _charge(restarted, "tok_visa", "key-r") == first
