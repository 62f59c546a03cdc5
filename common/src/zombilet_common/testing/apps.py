"""Running a service app in-process with its real lifespan, as a test or benchmark needs it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from zombilet_common.mongo import Document, mongo_client
from zombilet_common.startup import started_event

STARTED_WITHIN = 30.0


@asynccontextmanager
async def running(app: FastAPI, *, within: float = STARTED_WITHIN) -> AsyncIterator[FastAPI]:
    """Enter the app's lifespan and wait until the service has started (connections, relay,
    listeners); leave it stopped."""
    async with app.router.lifespan_context(app):
        try:
            await asyncio.wait_for(started_event(app).wait(), timeout=within)
        except TimeoutError:
            raise AssertionError(f"{app.title} did not start within {within} s") from None
        yield app


@asynccontextmanager
async def stored(mongo_uri: str) -> AsyncIterator[AsyncDatabase[Document]]:
    """The database a service with `mongo_uri` uses, read by a client of the test's own."""
    client = mongo_client(mongo_uri)
    try:
        yield client.get_default_database()
    finally:
        await client.close()
