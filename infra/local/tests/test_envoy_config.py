"""The Envoy config follows the route table: every route, the limit, loopback only."""

import re
from pathlib import Path
from typing import Any

from zombilet_local.envoy import GatewaySettings, envoy_config
from zombilet_local.routes import load_routes


def config(rate_limit_per_minute: int = 60) -> dict[str, Any]:
    settings = GatewaySettings(
        port=8080,
        admin_port=9901,
        upstreams={"auth": 4001, "tickets": 4002},
        access_log=Path("/tmp/access.log"),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return envoy_config(load_routes(), settings)


def routes(bootstrap: dict[str, Any]) -> list[dict[str, Any]]:
    manager = bootstrap["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    return list(manager["typed_config"]["route_config"]["virtual_hosts"][0]["routes"])


def test_the_gateway_and_its_admin_listen_on_loopback_only() -> None:
    bootstrap = config()

    listener = bootstrap["static_resources"]["listeners"][0]["address"]["socket_address"]
    admin = bootstrap["admin"]["address"]["socket_address"]
    assert (listener["address"], listener["port_value"]) == ("127.0.0.1", 8080)
    assert (admin["address"], admin["port_value"]) == ("127.0.0.1", 9901)


def test_every_route_of_the_table_is_served_in_order() -> None:
    table = load_routes()

    served = [(route["match"], route["name"]) for route in routes(config())]

    assert served[0][1] == "auth"
    api = [({"path_separated_prefix": r.prefix}, r.service) for r in table.api]
    rest = [
        ({"path": "/api"}, "not-found"),
        ({"prefix": "/api/"}, "not-found"),
        ({"prefix": "/"}, table.site),
    ]
    assert served[1:] == [*api, *rest]


def test_the_limited_route_matches_exactly_the_credential_paths() -> None:
    table = load_routes()
    limited = [
        route
        for route in routes(config(rate_limit_per_minute=7))
        if "typed_per_filter_config" in route
    ]

    assert len(limited) == 1
    pattern = re.compile(limited[0]["match"]["safe_regex"]["regex"])
    assert all(pattern.fullmatch(path) for path in table.rate_limit.paths)
    for other in ("/api/users/signinx", "/api/users/signin/x", "/api/users/forgot_password"):
        assert not pattern.fullmatch(other)
    limit = limited[0]["typed_per_filter_config"]["envoy.filters.http.local_ratelimit"]
    assert limit["descriptors"][0]["token_bucket"]["max_tokens"] == 7
    assert limit["descriptors"][0]["entries"] == [{"key": "remote_address"}]


def test_a_limit_of_zero_limits_nothing() -> None:
    assert not any("typed_per_filter_config" in route for route in routes(config(0)))


def test_a_service_that_is_not_running_has_a_cluster_without_endpoints() -> None:
    clusters = {
        cluster["name"]: cluster["load_assignment"]["endpoints"]
        for cluster in config()["static_resources"]["clusters"]
    }

    assert set(clusters) == set(load_routes().services)
    assert clusters["client"] == []
    address = clusters["auth"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    assert address == {"address": "127.0.0.1", "port_value": 4001}


def test_a_service_with_replicas_has_an_endpoint_for_each_of_them() -> None:
    settings = GatewaySettings(
        port=8080,
        admin_port=9901,
        upstreams={"orders": [4101, 4102], "tickets": 4002},
        access_log=Path("/tmp/access.log"),
        rate_limit_per_minute=60,
    )
    clusters = {
        cluster["name"]: cluster
        for cluster in envoy_config(load_routes(), settings)["static_resources"]["clusters"]
    }

    def ports(name: str) -> list[int]:
        (group,) = clusters[name]["load_assignment"]["endpoints"]
        return [
            lb["endpoint"]["address"]["socket_address"]["port_value"]
            for lb in group["lb_endpoints"]
        ]

    assert ports("orders") == [4101, 4102]
    assert ports("tickets") == [4002]
    assert clusters["orders"]["lb_policy"] == "LEAST_REQUEST"
