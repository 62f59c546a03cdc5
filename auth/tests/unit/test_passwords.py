"""Argon2id hashes; the scrypt hashes of earlier releases still sign in, once, then upgrade."""

import hashlib
import secrets

import pytest

from zombilet_auth.passwords import HashCost, Passwords
from zombilet_auth.settings import Settings
from zombilet_common.settings import load_settings


def scrypt_hash(password: str) -> str:
    """A hash as earlier releases stored it."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=16384, r=8, p=1, dklen=64, maxmem=64 * 1024 * 1024
    )
    return f"scrypt${salt.hex()}${key.hex()}"


async def signin(auth, password: str = "password1"):  # type: ignore[no-untyped-def]
    return await auth.client.post(
        "/api/users/signin", json={"email": "old@example.com", "password": password}
    )


async def test_a_user_with_an_old_scrypt_hash_signs_in_and_gets_an_argon2id_hash(auth) -> None:
    user_id = (await auth.signup("old@example.com", "password1")).json()["id"]
    await auth.db.users.update_one({}, {"$set": {"password_hash": scrypt_hash("password1")}})
    version = (await auth.db.users.find_one({}))["version"]

    wrong = await signin(auth, "password2")
    kept = (await auth.db.users.find_one({}))["password_hash"]
    first = await signin(auth)
    upgraded = (await auth.db.users.find_one({}))["password_hash"]
    second = await signin(auth)

    assert wrong.status_code == 400
    assert kept.startswith("scrypt$")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["id"] == user_id
    assert upgraded.startswith("$argon2id$")
    assert (await auth.db.users.find_one({}))["password_hash"] == upgraded
    # The same password under another hash: no version, no user.changed-password.
    assert (await auth.db.users.find_one({}))["version"] == version
    assert await auth.published("user.changed-password") == []


async def test_a_hash_of_another_cost_is_made_again_at_the_current_one(auth) -> None:
    await auth.signup("old@example.com", "password1")
    other = Passwords(HashCost(time_cost=1, memory_kib=64))
    await auth.db.users.update_one({}, {"$set": {"password_hash": await other.hash("password1")}})

    assert (await signin(auth)).status_code == 200

    stored = (await auth.db.users.find_one({}))["password_hash"]
    assert ",t=1,p=4$" in stored
    assert "m=32," in stored


async def test_an_unknown_email_costs_one_argon2id_verification(
    auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    hashes = auth.use_cases.passwords._hashes
    verify = hashes.verify

    def counting(password: str, hash: str) -> bool:
        checked.append(hash)
        return verify(password, hash)

    monkeypatch.setattr(hashes, "verify", counting)

    response = await signin(auth)

    assert response.status_code == 400
    assert len(checked) == 1
    assert checked[0].startswith("$argon2id$")


def test_production_hashes_at_argon2_cffis_default_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "MONGO_URI": "mongodb://db/auth",
        "NATS_URL": "nats://n:4222",
        "JWT_KEY": "k" * 32,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PASSWORD_HASH_TIME_COST", raising=False)
    monkeypatch.delenv("PASSWORD_HASH_MEMORY_KIB", raising=False)

    assert load_settings(Settings).hash_cost == HashCost(time_cost=3, memory_kib=65536)


def test_too_little_memory_for_argon2_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "MONGO_URI": "mongodb://db/auth",
        "NATS_URL": "nats://n:4222",
        "JWT_KEY": "k" * 32,
        "PASSWORD_HASH_MEMORY_KIB": "16",
    }.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit):
        load_settings(Settings)

    assert capsys.readouterr().err == (
        "auth: invalid value for PASSWORD_HASH_MEMORY_KIB: expected at least 32 (kibibytes)\n"
    )
