"""The switch that points the test fixtures at external servers instead of embedded ones."""

import pytest

from zombilet_common.testing.servers import Servers, external_servers, with_database


def test_only_variables_set_and_not_empty_count() -> None:
    environ = {
        "ZOMBILET_TEST_NATS_URL": "nats://ci:4222",
        "ZOMBILET_TEST_REDIS_URL": "",
        "MONGO_URI": "mongodb://elsewhere:27017",
    }

    assert external_servers(environ) == {"nats": "nats://ci:4222"}


def test_all_three_are_read() -> None:
    environ = {
        "ZOMBILET_TEST_NATS_URL": "nats://ci:4222",
        "ZOMBILET_TEST_REDIS_URL": "redis://ci:6379/0",
        "ZOMBILET_TEST_MONGO_URI": "mongodb://ci:27017",
    }

    assert external_servers(environ) == {
        "nats": "nats://ci:4222",
        "redis": "redis://ci:6379/0",
        "mongo": "mongodb://ci:27017",
    }


def test_external_servers_answer_for_their_kind() -> None:
    servers = Servers(
        {},
        {"nats": "nats://ci:4222", "redis": "redis://ci:6379/0", "mongo": "mongodb://ci:27017"},
    )

    assert servers.nats_url == "nats://ci:4222"
    assert servers.redis_url == "redis://ci:6379/0"
    assert servers.mongo_uri("orders_1") == "mongodb://ci:27017/orders_1"


def test_a_kind_neither_started_nor_external_is_an_error() -> None:
    servers = Servers({}, {"nats": "nats://ci:4222"})

    with pytest.raises(KeyError, match="redis was not started"):
        _ = servers.redis_url


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("mongodb://ci:27017", "mongodb://ci:27017/db_1"),
        ("mongodb://ci:27017/", "mongodb://ci:27017/db_1"),
        ("mongodb://ci:27017/other?w=majority", "mongodb://ci:27017/db_1?w=majority"),
        (
            "mongodb://u:p@a:27017,b:27017/?replicaSet=rs&authSource=admin",
            "mongodb://u:p@a:27017,b:27017/db_1?replicaSet=rs&authSource=admin",
        ),
    ],
)
def test_the_database_is_replaced_and_the_rest_kept(uri: str, expected: str) -> None:
    assert with_database(uri, "db_1") == expected
