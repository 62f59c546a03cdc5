"""The Gateway and its HTTPRoutes serve the one route table (infra/routes.toml): each path
reaches the service the table names, unknown /api paths get the 404 envelope, the sign-in paths
are rate-limited per client address, and the committed manifests are what the generator writes."""

import json
import subprocess
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from k8s_manifests import K8S, Rendered

from zombilet_local.routes import RouteTable, load_routes

NOT_FOUND = "404 envelope"
TO_HTTPS = "redirect to https"
# A rule without matches matches every path (Gateway API's default).
EVERY_PATH = [{"path": {"type": "PathPrefix", "value": "/"}}]


@pytest.fixture(scope="module")
def table() -> RouteTable:
    return load_routes()


@dataclass(frozen=True)
class Match:
    """One path match of one HTTPRoute rule, with what the rule does."""

    route: str
    kind: str
    value: str
    target: str  # a Service name, or NOT_FOUND

    def matches(self, path: str) -> bool:
        if self.kind == "Exact":
            return path == self.value
        assert self.kind == "PathPrefix", self.kind
        prefix = self.value.rstrip("/")
        return prefix == "" or path == prefix or path.startswith(prefix + "/")

    @property
    def precedence(self) -> tuple[int, int]:
        # Gateway API: an exact match first, then the longest prefix.
        return (self.kind == "Exact", len(self.value))


def matches_of(overlay: Rendered, listener: str) -> list[Match]:
    filters = {f["metadata"]["name"]: f for f in overlay.of_kind("HTTPRouteFilter")}
    found = []
    for route in overlay.of_kind("HTTPRoute"):
        parents = route["spec"]["parentRefs"]
        if not any(p.get("sectionName", listener) == listener for p in parents):
            continue
        for rule in route["spec"]["rules"]:
            target = target_of(rule, filters)
            for match in rule.get("matches", EVERY_PATH):
                path = match["path"]
                found.append(Match(route["metadata"]["name"], path["type"], path["value"], target))
    return found


def target_of(rule: dict[str, Any], filters: dict[str, dict[str, Any]]) -> str:
    if "backendRefs" in rule:
        (ref,) = rule["backendRefs"]
        assert ref["port"] == 3000
        return str(ref["name"])
    if rule["filters"] == [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}
    ]:
        return TO_HTTPS
    (extension,) = [f["extensionRef"] for f in rule["filters"] if f["type"] == "ExtensionRef"]
    direct = filters[extension["name"]]["spec"]["directResponse"]
    assert direct["statusCode"] == 404
    assert direct["contentType"] == "application/json"
    assert json.loads(direct["body"]["inline"]) == {"errors": [{"message": "Not Found"}]}
    return NOT_FOUND


def served_by(matches: list[Match], path: str) -> Match:
    candidates = [m for m in matches if m.matches(path)]
    assert candidates, f"no route serves {path}"
    return max(candidates, key=lambda m: m.precedence)


def sample_paths(table: RouteTable) -> list[str]:
    paths = ["/", "/tickets/new", "/auth/signin", "/api", "/api/", "/api/nope", "/apix", "/x/api"]
    for api in table.api:
        paths += [api.prefix, api.prefix + "/", api.prefix + "/abc/def", api.prefix + "x"]
    paths += list(table.rate_limit.paths)
    paths += [path + "/extra" for path in table.rate_limit.paths]
    return paths


@pytest.mark.parametrize(("overlay_name", "listener"), [("dev", "http"), ("prod", "https")])
def test_every_path_reaches_the_service_the_route_table_names(
    rendered: dict[str, Rendered], table: RouteTable, overlay_name: str, listener: str
) -> None:
    matches = matches_of(rendered[overlay_name], listener)
    for path in sample_paths(table):
        expected = table.route(path) or NOT_FOUND
        assert served_by(matches, path).target == expected, path


def test_only_the_rate_limited_paths_reach_the_rate_limited_route(
    dev: Rendered, table: RouteTable
) -> None:
    matches = matches_of(dev, "http")
    limited = {m.route for m in matches if m.value in table.rate_limit.paths}
    assert len(limited) == 1
    (route,) = limited
    assert {m.value for m in matches if m.route == route} == set(table.rate_limit.paths)
    assert all(m.kind == "Exact" for m in matches if m.route == route)
    for path in sample_paths(table):
        inside = served_by(matches, path).route == route
        assert inside == (path in table.rate_limit.paths), path


def test_sign_in_is_limited_per_client_address_at_the_table_s_rate(
    dev: Rendered, table: RouteTable
) -> None:
    matches = matches_of(dev, "http")
    (route,) = {m.route for m in matches if m.value == table.rate_limit.paths[0]}
    policies = [
        p
        for p in dev.of_kind("BackendTrafficPolicy")
        if {"kind": "HTTPRoute", "name": route, "group": "gateway.networking.k8s.io"}
        in p["spec"]["targetRefs"]
    ]
    (policy,) = policies
    limit = policy["spec"]["rateLimit"]
    assert limit["type"] == "Local"
    rules = limit["local"]["rules"]
    assert {r["clientSelectors"][0]["sourceCIDR"]["value"] for r in rules} == {"0.0.0.0/0", "::/0"}
    for rule in rules:
        assert rule["clientSelectors"] == [
            {
                "sourceCIDR": {
                    "type": "Distinct",
                    "value": rule["clientSelectors"][0]["sourceCIDR"]["value"],
                }
            }
        ]
        assert rule["limit"] == {"requests": table.rate_limit.per_minute, "unit": "Minute"}
    answers = {
        o["match"]["statusCodes"][0]["value"]: o["response"]
        for o in policy["spec"]["responseOverride"]
    }
    assert answers[429]["statusCode"] == 429
    assert list(json.loads(answers[429]["body"]["inline"])) == ["errors"]


def test_every_route_answers_a_down_service_in_the_error_envelope(dev: Rendered) -> None:
    routes_with_backends = {
        r["metadata"]["name"]
        for r in dev.of_kind("HTTPRoute")
        if any("backendRefs" in rule for rule in r["spec"]["rules"])
    }
    covered = set()
    for policy in dev.of_kind("BackendTrafficPolicy"):
        answers = {
            o["match"]["statusCodes"][0]["value"]: o["response"]
            for o in policy["spec"]["responseOverride"]
        }
        assert answers[503]["statusCode"] == 502
        (message,) = json.loads(answers[503]["body"]["inline"])["errors"]
        assert message["message"].endswith("service is not available. Please try again.")
        covered |= {ref["name"] for ref in policy["spec"]["targetRefs"]}
    assert covered == routes_with_backends


def test_the_gateway_class_is_envoy_gateway_s_eg_by_default(rendered: dict[str, Rendered]) -> None:
    for overlay in rendered.values():
        gateway = overlay.one("Gateway", "zombilet")
        assert gateway["spec"]["gatewayClassName"] == "eg"
        ref = gateway["spec"]["infrastructure"]["parametersRef"]
        proxy = overlay.one(ref["kind"], ref["name"])
        service = proxy["spec"]["provider"]["kubernetes"]["envoyService"]
        assert service["externalTrafficPolicy"] == "Local", "the rate limit needs client addresses"
        for route in overlay.of_kind("HTTPRoute"):
            assert {p["name"] for p in route["spec"]["parentRefs"]} == {"zombilet"}


def test_prod_serves_the_routes_over_tls_and_redirects_plain_http(prod: Rendered) -> None:
    listeners = {
        item["name"]: item for item in prod.one("Gateway", "zombilet")["spec"]["listeners"]
    }
    assert listeners["https"]["protocol"] == "HTTPS"
    assert listeners["https"]["tls"]["mode"] == "Terminate"
    assert listeners["https"]["tls"]["certificateRefs"] == [
        {"kind": "Secret", "name": "zombilet-tls"}
    ]
    on_http = matches_of(prod, "http")
    assert {m.route for m in on_http} == {"https-redirect"}
    for path in ("/", "/api/users/signin", "/tickets/new"):
        assert served_by(on_http, path).target == TO_HTTPS
    assert prod.one("HTTPRoute", "https-redirect")["spec"]["hostnames"] == ["zombilet.com"]


def test_dev_answers_zombilet_dev(dev: Rendered) -> None:
    for route in dev.of_kind("HTTPRoute"):
        assert "zombilet.dev" in route["spec"]["hostnames"]


def test_the_committed_manifests_are_what_the_generator_writes(generator: ModuleType) -> None:
    files = generator.render(load_routes())
    assert generator.stale(files) == []
    done = subprocess.run(
        [sys.executable, str(K8S / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")


def test_a_changed_route_table_changes_the_routes(
    generator: ModuleType, table: RouteTable, tmp_path: Any
) -> None:
    changed = (K8S.parents[0] / "routes.toml").read_text().replace("/api/tickets", "/api/listings")
    (tmp_path / "routes.toml").write_text(changed)
    files = generator.render(load_routes(tmp_path / "routes.toml"))
    assert generator.stale(files) == [generator.BASE / "edge.yaml"]
    assert "/api/listings" in files[generator.BASE / "edge.yaml"]
