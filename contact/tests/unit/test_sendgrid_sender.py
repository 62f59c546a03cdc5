"""With SENDGRID_KEY: the official library, pointed at a local stand-in, makes the request
SendGrid expects; anything but 2xx is a failed send that naks and logs nothing as `sent`."""

import socket
from collections.abc import Iterator

import pytest
from bson import ObjectId

from zombilet_common.events import TicketCreatedEvent
from zombilet_common.testing.ports import free_port
from zombilet_contact.senders import Mail, SendFailed, SendUncertain
from zombilet_contact.senders.sendgrid_api import SendGridSender

MAIL = Mail(to="a@example.com", subject="S", body="B", event_id="ticket.created:x:0")


async def test_mail_is_posted_with_key_sender_recipient_subject_and_plain_text(
    sendgrid_contact, sendgrid_standin
) -> None:
    seller = await sendgrid_contact.add_user("seller@example.com")
    ticket_id = str(ObjectId())
    event = TicketCreatedEvent(id=ticket_id, version=0, title="Ghouls", price=16.99, user_id=seller)

    msg = await sendgrid_contact.deliver(event, event.message_id())

    assert msg.answers == ["ack"]
    (request,) = sendgrid_standin.requests
    assert request.path == "/v3/mail/send"
    assert request.headers["authorization"] == "Bearer SG.stand-in-key"
    assert request.headers["content-type"] == "application/json"
    body = request.body
    assert body["from"] == {"email": "tickets@zombilet.test"}
    assert body["personalizations"] == [{"to": [{"email": "seller@example.com"}]}]
    assert body["subject"] == "Ticket Created | Zombilet"
    (content,) = body["content"]
    assert content["type"] == "text/plain"
    assert f"Ticket id: {ticket_id}" in content["value"]
    assert "Price: £16.99" in content["value"]
    assert (
        content["value"]
        .rstrip("\n")
        .endswith("Questions? Write to help@zombilet.com.\n\nThe Zombilet Team")
    )
    assert body["headers"] == {"X-Zombilet-Event": f"ticket.created:{ticket_id}:0"}
    log = await sendgrid_contact.log()
    assert [(e["recipient"], e["status"]) for e in log] == [("seller@example.com", "sent")]
    assert not sendgrid_contact.outbox.exists()


async def test_provider_error_naks_logs_no_sent_and_the_redelivery_sends(
    sendgrid_contact, sendgrid_standin
) -> None:
    buyer = await sendgrid_contact.add_user("buyer@example.com")
    event = TicketCreatedEvent(id=str(ObjectId()), version=0, title="T", price=1, user_id=buyer)
    sendgrid_standin.status = 500

    failed = await sendgrid_contact.deliver(event, event.message_id(), num_delivered=1)

    assert (failed.answers, failed.nak_delays) == (["nak"], [0.25])
    assert await sendgrid_contact.log() == []

    sendgrid_standin.status = 202
    retried = await sendgrid_contact.deliver(event, event.message_id(), num_delivered=2)
    again = await sendgrid_contact.deliver(event, event.message_id(), num_delivered=3)

    assert (retried.answers, again.answers) == (["ack"], ["ack"])
    assert len(sendgrid_standin.requests) == 2
    assert [e["status"] for e in await sendgrid_contact.log()] == ["sent"]


@pytest.mark.parametrize("status", [400, 401, 429, 503])
async def test_any_non_2xx_answer_is_a_failed_send(sendgrid_standin, status: int) -> None:
    sendgrid_standin.status = status
    sender = SendGridSender("SG.key", from_email="f@example.com", host=sendgrid_standin.host)

    with pytest.raises(SendFailed, match=str(status)):
        await sender.send(MAIL)


async def test_unreachable_provider_is_a_failed_send() -> None:
    sender = SendGridSender(
        "SG.key", from_email="f@example.com", host=f"http://127.0.0.1:{free_port()}"
    )

    with pytest.raises(SendFailed, match="not reachable"):
        await sender.send(MAIL)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


async def test_provider_that_never_answers_times_out_as_an_uncertain_send(
    silent_port: int,
) -> None:
    sender = SendGridSender(
        "SG.key", from_email="f@example.com", host=f"http://127.0.0.1:{silent_port}", timeout=0.2
    )

    with pytest.raises(SendUncertain, match="no answer"):
        await sender.send(MAIL)


async def test_a_mail_whose_answer_never_came_is_not_sent_again(
    impatient_sendgrid_contact, sendgrid_standin
) -> None:
    contact = impatient_sendgrid_contact
    buyer = await contact.add_user("buyer@example.com")
    event = TicketCreatedEvent(id=str(ObjectId()), version=0, title="T", price=1, user_id=buyer)
    sendgrid_standin.hold_answers = True

    timed_out = await contact.deliver(event, event.message_id(), num_delivered=1)
    sendgrid_standin.hold_answers = False
    redelivered = await contact.deliver(event, event.message_id(), num_delivered=2)

    # SendGrid may have taken it: a second send could mail it twice, so it is not retried.
    assert len(sendgrid_standin.requests) == 1
    assert (timed_out.answers, redelivered.answers) == (["ack"], ["ack"])
    assert [e["status"] for e in await contact.log()] == ["uncertain"]
