"""Password hashes: Argon2id through pwdlib. The scrypt hashes of earlier releases still verify,
and are replaced by an Argon2id hash at the user's next successful sign-in."""

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import argon2
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

log = logging.getLogger(__name__)

# Argon2 needs 8 KiB of memory per lane; argon2-cffi's default uses four lanes.
MIN_MEMORY_KIB = 8 * argon2.DEFAULT_PARALLELISM
# Each derivation holds its memory cost (64 MiB by default) while it runs: a burst of sign-ins
# must not multiply that past the container's limit. Two keep both cores of a pod busy.
MAX_CONCURRENT_HASHES = 2


@dataclass(frozen=True)
class HashCost:
    """Argon2id's work per hash. The defaults are argon2-cffi's (RFC 9106's second recommended
    option); only tests lower them, to keep their many sign-ups fast."""

    time_cost: int = argon2.DEFAULT_TIME_COST
    memory_kib: int = argon2.DEFAULT_MEMORY_COST


class ScryptHasher:
    """Verifies `scrypt$<salt hex>$<key hex>` (N=16384, r=8, p=1, 64-byte key); makes none."""

    PREFIX = "scrypt$"

    @classmethod
    def identify(cls, hash: str | bytes) -> bool:
        text = hash.decode(errors="replace") if isinstance(hash, bytes) else hash
        return text.startswith(cls.PREFIX) and text.count("$") == 2

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        raise NotImplementedError("new hashes are Argon2id")

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        secret = password.encode() if isinstance(password, str) else password
        _, salt, key = text.split("$")
        derived = hashlib.scrypt(
            secret, salt=bytes.fromhex(salt), n=16384, r=8, p=1, dklen=64, maxmem=64 * 1024 * 1024
        )
        return hmac.compare_digest(derived, bytes.fromhex(key))

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        return True


class Passwords:
    """Hashes and checks passwords off the event loop (Argon2id is slow by design)."""

    def __init__(self, cost: HashCost = HashCost()) -> None:
        current = Argon2Hasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib)
        self._hashes = PasswordHash((current, ScryptHasher()))
        # An unknown e-mail is checked against this, so that it costs what a known one does.
        self._dummy = self._hashes.hash(secrets.token_hex(16))
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_HASHES)

    async def hash(self, password: str) -> str:
        """`$argon2id$v=19$m=…,t=…,p=…$<salt>$<digest>`."""
        async with self._slots:
            return await asyncio.to_thread(self._hashes.hash, password)

    async def verify(self, password: str, stored: str | None) -> tuple[bool, str | None]:
        """Whether `password` matches `stored` (with none, a dummy check, then False), and the
        hash to store in its place when `stored` is outdated: scrypt, or a lesser cost."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, password, stored)

    def _verify(self, password: str, stored: str | None) -> tuple[bool, str | None]:
        if stored is None:
            self._hashes.verify(password, self._dummy)
            return False, None
        try:
            return self._hashes.verify_and_update(password, stored)
        except UnknownHashError:
            log.error("stored password hash of an unknown kind")
            return False, None
