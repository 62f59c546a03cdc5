from pathlib import Path

import pytest

from zombilet_local.routes import RouteTableError, load_routes


def test_the_table_routes_each_api_prefix_to_its_service() -> None:
    table = load_routes()
    assert table.route("/api/users/signin") == "auth"
    assert table.route("/api/users") == "auth"
    assert table.route("/api/tickets/abc") == "tickets"
    assert table.route("/api/orders") == "orders"
    assert table.route("/api/payments") == "payments"


def test_a_prefix_does_not_own_a_longer_name() -> None:
    assert load_routes().route("/api/usersx") is None


def test_other_api_paths_belong_to_no_service_and_the_rest_to_the_site() -> None:
    table = load_routes()
    assert table.route("/api/nothing") is None
    assert table.route("/api") is None
    assert table.route("/") == "client"
    assert table.route("/apiary") == "client"
    assert table.services == ("auth", "tickets", "orders", "payments", "client")


def test_the_rate_limit_covers_the_credential_routes() -> None:
    limit = load_routes().rate_limit
    assert limit.setting == "AUTH_RATE_LIMIT_PER_MINUTE"
    assert limit.per_minute == 60
    assert set(limit.paths) == {
        "/api/users/signin",
        "/api/users/signup",
        "/api/users/forgot-password",
    }


def test_a_table_without_a_trailing_slash_rule_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "routes.toml"
    broken.write_text(
        '[[api]]\nprefix = "/api/users/"\nservice = "auth"\n[site]\nservice = "client"\n'
        '[rate_limit]\nsetting = "X"\nper_minute = 1\npaths = []\n'
    )
    with pytest.raises(RouteTableError):
        load_routes(broken)


def test_a_missing_section_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "routes.toml"
    broken.write_text('[site]\nservice = "client"\n')
    with pytest.raises(RouteTableError, match="api"):
        load_routes(broken)
