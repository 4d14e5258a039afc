"""The e-mail channel: intake (IMAP polling, an SMTP listener, an MTA pipe) and outbound notifications.

Every way in stores the raw message first (`InboundMessage`), then calls the same processing
service, which calls the ticket services. See `services.py` for the pipeline and `notify/events.py`
for what goes out.
"""
