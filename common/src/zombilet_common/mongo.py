"""The service's own MongoDB database, through PyMongo's asyncio client."""

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
"""A stored document as PyMongo hands it over."""


def mongo_client(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    """A client with timezone-aware times that gives up selecting a server after 5 s."""
    return AsyncMongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)


def service_database(
    client: AsyncMongoClient[dict[str, Any]], default: str
) -> AsyncDatabase[dict[str, Any]]:
    """The database named in the URI, else the service's name (SPEC.md §13)."""
    return client.get_default_database(default=default)
