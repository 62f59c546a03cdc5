"""The runner's settings and the environment each service is given."""

import stat
from pathlib import Path

import pytest

from zombilet_local.env import (
    Backing,
    ConfigError,
    jwt_key,
    load,
    redis_url,
    service_env,
    service_mongo_uri,
)
from zombilet_local.services import SERVICES

BACKING = Backing(
    nats_url="nats://127.0.0.1:4222",
    redis_url="redis://127.0.0.1:6379/0",
    mongo_base="mongodb://127.0.0.1:27017/?directConnection=true",
)


def test_defaults_are_the_data_folder_in_the_checkout_and_port_8080(tmp_path: Path) -> None:
    config = load({}, tmp_path)

    assert config.data_dir == tmp_path / ".data"
    assert config.gateway_port == 8080
    assert config.public_url == "http://localhost:8080"
    assert config.services == SERVICES
    assert (config.nats_url, config.redis_url, config.mongo_uri) == (None, None, None)
    assert config.rate_limit_per_minute == 60
    assert config.upstream_timeout == 60.0


def test_relative_data_folder_counts_from_the_working_directory(tmp_path: Path) -> None:
    config = load({"ZOMBILET_DATA_DIR": "here/data", "ZOMBILET_PORT": "9000"}, tmp_path)

    assert config.data_dir == tmp_path / "here" / "data"
    assert config.public_url == "http://localhost:9000"


@pytest.mark.parametrize("value", ["eighty", "0", "70000"])
def test_a_bad_port_is_refused_by_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="invalid value for ZOMBILET_PORT"):
        load({"ZOMBILET_PORT": value}, tmp_path)


@pytest.mark.parametrize(("value", "per_minute"), [("0", 0), ("5", 5), (" 120 ", 120), ("", 60)])
def test_the_rate_limit_setting_overrides_the_route_table(
    tmp_path: Path, value: str, per_minute: int
) -> None:
    config = load({"AUTH_RATE_LIMIT_PER_MINUTE": value}, tmp_path)

    assert config.rate_limit_per_minute == per_minute


@pytest.mark.parametrize("value", ["-1", "ten", "1.5"])
def test_a_bad_rate_limit_is_refused_by_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="invalid value for AUTH_RATE_LIMIT_PER_MINUTE"):
        load({"AUTH_RATE_LIMIT_PER_MINUTE": value}, tmp_path)


def test_the_upstream_timeout_is_a_number_of_seconds(tmp_path: Path) -> None:
    assert load({"ZOMBILET_UPSTREAM_TIMEOUT": "2.5"}, tmp_path).upstream_timeout == 2.5


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan", "inf"])
def test_a_bad_upstream_timeout_is_refused_by_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="invalid value for ZOMBILET_UPSTREAM_TIMEOUT"):
        load({"ZOMBILET_UPSTREAM_TIMEOUT": value}, tmp_path)


def test_a_given_jwt_key_under_32_bytes_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid value for JWT_KEY: must be at least 32 bytes"):
        load({"JWT_KEY": "dev-key"}, tmp_path)

    assert load({"JWT_KEY": "k" * 32}, tmp_path).data_dir == tmp_path / ".data"


def test_services_can_be_narrowed_and_keep_the_table_order(tmp_path: Path) -> None:
    config = load({"ZOMBILET_SERVICES": "client, auth"}, tmp_path)

    assert config.services == ("auth", "client")


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown billing"):
        load({"ZOMBILET_SERVICES": "auth,billing"}, tmp_path)


def test_redis_host_stands_for_a_url_and_redis_url_wins() -> None:
    assert redis_url({"REDIS_HOST": "cache"}) == "redis://cache:6379/0"
    assert redis_url({"REDIS_HOST": "cache", "REDIS_URL": "redis://x:1/2"}) == "redis://x:1/2"
    assert redis_url({}) is None


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            "mongodb://127.0.0.1:27017/?directConnection=true",
            "mongodb://127.0.0.1:27017/orders?directConnection=true",
        ),
        ("mongodb://db:27017", "mongodb://db:27017/orders"),
        ("mongodb://db:27017/shop?w=majority", "mongodb://db:27017/orders?w=majority"),
        (
            "mongodb://me:pw@a:1,b:2/shop?replicaSet=rs",
            "mongodb://me:pw@a:1,b:2/orders?replicaSet=rs&authSource=shop",
        ),
        ("mongodb://me:pw@db/", "mongodb://me:pw@db/orders?authSource=admin"),
        (
            "mongodb+srv://me:pw@cluster/x?authSource=users",
            "mongodb+srv://me:pw@cluster/orders?authSource=users",
        ),
    ],
)
def test_each_service_gets_its_own_database_on_the_given_hosts(base: str, expected: str) -> None:
    assert service_mongo_uri(base, "orders") == expected


def test_jwt_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = jwt_key({}, tmp_path / "data")
    second = jwt_key({}, tmp_path / "data")

    assert first == second
    assert len(first) == 64
    mode = stat.S_IMODE((tmp_path / "data" / "jwt-key").stat().st_mode)
    assert mode == 0o600


def test_a_given_jwt_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    assert jwt_key({"JWT_KEY": "given"}, tmp_path) == "given"
    assert not (tmp_path / "jwt-key").exists()


def test_service_env_passes_everything_through_and_adds_its_own(tmp_path: Path) -> None:
    config = load({"ZOMBILET_PORT": "9000", "ZOMBILET_DATA_DIR": "d"}, tmp_path)
    environ = {"EXPIRATION_WINDOW_SECONDS": "5", "PORT": "1", "PUBLIC_URL": "https://z.example"}

    env = service_env(
        environ, service="tickets", port=4321, backing=BACKING, jwt_key="k", config=config
    )

    assert env["EXPIRATION_WINDOW_SECONDS"] == "5"
    assert env["PORT"] == "4321"
    assert env["MONGO_URI"] == "mongodb://127.0.0.1:27017/tickets?directConnection=true"
    assert env["NATS_URL"] == BACKING.nats_url
    assert env["REDIS_URL"] == BACKING.redis_url
    assert env["JWT_KEY"] == "k"
    assert env["MAIL_OUTBOX_DIR"] == str(tmp_path / "d" / "outbox")
    assert env["API_BASE_URL"] == "http://localhost:9000"
    assert env["PUBLIC_URL"] == "https://z.example"
