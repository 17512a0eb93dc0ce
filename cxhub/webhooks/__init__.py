"""Outgoing webhooks: signed event deliveries to the URLs integrations subscribe.

`events` names the event types, `services` stores events and manages subscriptions and deliveries,
`signing` signs and verifies in the Standard Webhooks style, `delivery` makes the HTTP attempts.
"""
