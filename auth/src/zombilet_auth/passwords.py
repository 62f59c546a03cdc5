"""scrypt hashes (N=16384, r=8, p=1, 64-byte key, 16-byte salt), compared in constant time."""

import asyncio
import hashlib
import hmac
import secrets

N, R, P, KEY_BYTES, SALT_BYTES = 16384, 8, 1, 64, 16

# A derivation for unknown e-mails, so they cost as much as a wrong password.
_DUMMY = f"scrypt${'00' * SALT_BYTES}${'00' * KEY_BYTES}"


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES, maxmem=64 * 1024 * 1024
    )


def _hash(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${salt.hex()}${_derive(password, salt).hex()}"


def _verify(password: str, stored: str) -> bool:
    _, salt, key = stored.split("$")
    return hmac.compare_digest(_derive(password, bytes.fromhex(salt)), bytes.fromhex(key))


async def hash_password(password: str) -> str:
    """`scrypt$<salt hex>$<key hex>`; derived off the event loop (about 50 ms of CPU)."""
    return await asyncio.to_thread(_hash, password)


async def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`; with no stored hash, a dummy derivation, then False."""
    matches = await asyncio.to_thread(_verify, password, stored or _DUMMY)
    return matches and stored is not None
