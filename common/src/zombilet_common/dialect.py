"""The one way documents are written so that they read back alike on MongoDB 7 (what Kubernetes
runs) and on the local Mongo-wire store `nx-27017` (the local stack and the tests).

What the local store does differently, and the rule each difference gives:

- it matches an ObjectId only in `_id`: `_id` is always an ObjectId (`object_id`), every other
  id is stored as its 24-hex string and read back with `id_of`;
- a `datetime` given to `$set` comes back a string: times an update writes are epoch
  milliseconds (`epoch_ms`); dates written by an insert are fine and read back with `as_utc`;
- a boolean given to `$set` comes back 0 / 1: read it with `as_bool`;
- `$addToSet` does not create a missing array, so arrays are created when the document is;
- `$push` / `$pull` of sub-documents keep them as JSON strings: maps with `$set` / `$unset`
  of one key instead (the outbox is such a map).
"""

from datetime import UTC, datetime

from bson import ObjectId

from zombilet_common.mongo import Document


def object_id(value: str) -> ObjectId:
    """The `_id` of the document whose id is the 24-hex `value`."""
    return ObjectId(value)


def id_of(doc: Document) -> str:
    """A stored document's `_id` as the 24-hex string the rest of the code uses."""
    return str(doc["_id"])


def as_utc(value: datetime) -> datetime:
    """A stored date as an aware UTC time (BSON dates carry no zone)."""
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    """`moment` as the epoch milliseconds an update stores in place of a date."""
    return int(as_utc(moment).timestamp() * 1000)


def as_bool(value: object) -> bool:
    """A stored boolean, which the local store hands back as 0 / 1 once `$set` wrote it."""
    return bool(value)
