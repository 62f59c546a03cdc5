"""Local servers that answer as third-party APIs do, for tests and the local stack.

Each stand-in is pointed at by the provider's official client library, unmodified, so the
request it records is the one production would send: `stripe.StripeStandIn` for Stripe's
PaymentIntents, Refunds and signed webhooks, `sendgrid.SendGridStandIn` for SendGrid's mail
send. Each serves itself on a free port in the running event loop with
`async with standin.running():`.
"""
