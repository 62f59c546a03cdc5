"""Headers every response carries: the content security policy and its companions."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BASE_POLICY = (
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
# Stripe.js and the Payment Element's frames, as Stripe's CSP guide lists them; only when the
# publishable key is set, so a test-mode site names no outside host at all.
_STRIPE_POLICY = (
    "script-src 'self' https://js.stripe.com https://*.js.stripe.com",
    "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com",
    "connect-src 'self' https://api.stripe.com",
)


def content_security_policy(*, stripe: bool) -> str:
    return "; ".join(_BASE_POLICY + (_STRIPE_POLICY if stripe else ()))


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, stripe: bool) -> None:
        self.app = app
        self._headers = {
            "Content-Security-Policy": content_security_policy(stripe=stripe),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
