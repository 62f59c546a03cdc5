"""With SENDGRID_KEY: SendGrid's official library, plain text, success on a 2xx answer."""

import asyncio
import logging
from urllib.error import URLError

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Content, Email, Header, To
from sendgrid.helpers.mail import Mail as SendGridMail

from zombilet_common.headers import MAIL_EVENT
from zombilet_contact.senders import Mail, SendFailed, SendUncertain

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 10.0


class SendGridSender:
    """`POST /v3/mail/send` through the synchronous library, run in a worker thread."""

    def __init__(
        self,
        api_key: str,
        *,
        from_email: str,
        host: str = "https://api.sendgrid.com",
        timeout: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        self._api_key = api_key
        self._from = from_email
        self._host = host
        self._timeout = timeout

    async def send(self, mail: Mail) -> None:
        try:
            # The socket timeout bounds the thread; this one bounds our wait should it not.
            async with asyncio.timeout(self._timeout + 1.0):
                status = await asyncio.to_thread(self._post, mail)
        except HTTPError as exc:
            raise SendFailed(f"sendgrid answered {exc.status_code}") from exc
        except URLError as exc:
            # urllib wraps what fails while connecting and sending: the mail was not handed over.
            raise SendFailed(f"sendgrid not reachable: {exc!r}") from exc
        except (OSError, TimeoutError) as exc:
            # Failing while waiting for the answer, after the whole request went out.
            raise SendUncertain(f"no answer from sendgrid: {exc!r}") from exc
        if not 200 <= status < 300:
            raise SendFailed(f"sendgrid answered {status}")
        log.info(
            "mail sent through sendgrid",
            extra={"to": mail.to, "subject": mail.subject, "status": status},
        )

    def _post(self, mail: Mail) -> int:
        # A client per call: the library keeps mutable headers on it, and calls run in threads.
        client = SendGridAPIClient(self._api_key, host=self._host)
        client.client.timeout = self._timeout
        message = SendGridMail(
            from_email=Email(self._from),
            to_emails=To(mail.to),
            subject=mail.subject,
            plain_text_content=Content("text/plain", mail.body),
        )
        message.header = Header(MAIL_EVENT, mail.event_id)
        response = client.send(message)
        status: int = response.status_code
        return status
