"""The header names the platform reads and writes, each spelled once."""

REQUEST_ID = "X-Request-Id"
"""The request id, on HTTP requests and answers and on the messages a request causes."""

MESSAGE_ID = "Nats-Msg-Id"
"""A message's stable id: JetStream drops a repeat inside its duplicate window."""

MAIL_EVENT = "X-Zombilet-Event"
"""On every e-mail: the message id of the event that caused it."""
