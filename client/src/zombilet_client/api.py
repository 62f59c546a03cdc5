"""Calls to the platform's APIs on behalf of one visitor.

One `httpx.AsyncClient` serves every visitor, so it must never remember a cookie: each call
carries the visitor's own `Cookie` header and nothing else, and auth's `Set-Cookie` headers are
handed back for the page to relay.
"""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from starlette.requests import Request

from zombilet_common.headers import REQUEST_ID
from zombilet_common.logging import new_request_id, request_id_var

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
UNAVAILABLE_MESSAGE = "Something went wrong. Please try again."


@dataclass(frozen=True)
class ApiAnswer:
    """A 2xx-4xx answer: its status, its JSON body (None when empty) and auth's cookies."""

    status: int
    body: Any
    set_cookies: list[str] = field(default_factory=list)

    @classmethod
    def unavailable(cls) -> "ApiAnswer":
        """What an unreachable API, a 5xx or an answer that is not JSON becomes: a 503."""
        return cls(503, {"errors": [{"message": UNAVAILABLE_MESSAGE}]})

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def page_status(self) -> int:
        """The status of a page showing this answer's errors: the API's 4xx, else 503."""
        return self.status if 400 <= self.status < 500 else 503

    @property
    def messages(self) -> list[str]:
        """Every `errors[].message` of an error answer."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        if not isinstance(errors, list):
            return []
        return [
            str(item["message"]) for item in errors if isinstance(item, dict) and "message" in item
        ]


def no_cookie_jar() -> CookieJar:
    """A jar that refuses to store any cookie, so no visitor's session reaches another's call."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def api_client(
    base_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=TIMEOUT_SECONDS,
        cookies=no_cookie_jar(),
        follow_redirects=False,
        trust_env=False,
        transport=transport,
    )


class Api:
    """The APIs as one visitor's request sees them."""

    def __init__(self, client: httpx.AsyncClient, request: Request) -> None:
        self._client = client
        self._cookie = request.headers.get("cookie")

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> ApiAnswer:
        headers = {REQUEST_ID: request_id_var.get() or new_request_id()}
        if self._cookie:
            headers["Cookie"] = self._cookie
        try:
            response = await self._client.request(
                method, path, json=json_body, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("api unreachable", extra={"path": path, "error": repr(exc)})
            return ApiAnswer.unavailable()
        if response.status_code >= 500:
            log.warning("api failed", extra={"path": path, "status": response.status_code})
            return ApiAnswer.unavailable()
        try:
            body = response.json() if response.content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning(
                "api answered no JSON", extra={"path": path, "status": response.status_code}
            )
            return ApiAnswer.unavailable()
        return ApiAnswer(response.status_code, body, response.headers.get_list("set-cookie"))

    async def get(self, path: str, params: Mapping[str, str] | None = None) -> ApiAnswer:
        return await self.call("GET", path, params=params)

    async def delete(self, path: str) -> ApiAnswer:
        return await self.call("DELETE", path)

    async def put(self, path: str, json_body: Mapping[str, Any]) -> ApiAnswer:
        return await self.call("PUT", path, json_body=json_body)

    async def post(
        self,
        path: str,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> ApiAnswer:
        return await self.call("POST", path, json_body=json_body, params=params)
