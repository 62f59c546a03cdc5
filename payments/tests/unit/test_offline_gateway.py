"""The offline gateway (SPEC.md §7.3): Stripe's test tokens, idempotency keys kept in payments'
database, every refund accepted, each call logged at INFO."""

import logging
import re
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from zombilet_payments.gateways import Charged, Declined, InvalidToken, Refunded
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
    return await gateway.charge(
        amount=1699,
        currency="gbp",
        token=token,
        idempotency_key=key,
        metadata={"orderId": "o"},
        description="Zombilet order o",
    )


async def test_tok_visa_is_charged_with_an_offline_charge_id(offline) -> None:
    outcome = await _charge(offline, "tok_visa")
    assert isinstance(outcome, Charged)
    assert re.fullmatch(r"ch_offline_[0-9a-f]{24}", outcome.charge_id)


async def test_tok_charge_declined_is_declined(offline) -> None:
    assert await _charge(offline, "tok_chargeDeclined") == Declined("Your card was declined.")


@pytest.mark.parametrize("token", ["tok_mastercard", "tok_", "pm_card_visa", "x"])
async def test_any_other_token_is_invalid(offline, token: str) -> None:
    assert await _charge(offline, token) == InvalidToken()


async def test_the_same_key_gives_the_same_result_and_charge_id(offline) -> None:
    first = await _charge(offline, "tok_visa", "key-a")
    again = await _charge(offline, "tok_visa", "key-a")
    other = await _charge(offline, "tok_visa", "key-b")
    declined_first = await _charge(offline, "tok_chargeDeclined", "key-c")
    declined_again = await _charge(offline, "tok_visa", "key-c")
    assert first == again
    assert other != first
    assert declined_first == declined_again


async def test_every_refund_is_accepted_once_per_key(offline) -> None:
    first = await offline.refund(charge_id="ch_x", idempotency_key="zombilet-refund-1")
    again = await offline.refund(charge_id="ch_x", idempotency_key="zombilet-refund-1")
    other = await offline.refund(charge_id="ch_unknown", idempotency_key="zombilet-refund-2")
    assert isinstance(first, Refunded)
    assert re.fullmatch(r"re_offline_[0-9a-f]{24}", first.refund_id)
    assert first == again
    assert isinstance(other, Refunded)
    assert other != first


async def test_each_call_is_logged_at_info(offline, caplog) -> None:
    caplog.set_level(logging.INFO, logger="zombilet_payments.gateways.offline")
    await _charge(offline, "tok_visa", "key-log")
    await offline.refund(charge_id="ch_x", idempotency_key="zombilet-refund-log")
    records = [r for r in caplog.records if r.name == "zombilet_payments.gateways.offline"]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("INFO", "offline charge"),
        ("INFO", "offline refund"),
    ]
    assert records[0].idempotency_key == "key-log"
    assert records[0].outcome == "charged"


async def test_keys_survive_a_restart(offline, database) -> None:
    first = await _charge(offline, "tok_visa", "key-r")
    restarted = OfflineGateway(GatewayLedgerRepository(database))
    assert await _charge(restarted, "tok_visa", "key-r") == first
