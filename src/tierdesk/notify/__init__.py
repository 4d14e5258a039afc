"""Side effects through an outbox (DESIGN.md, principle 5): e-mails to send and agents' notifications."""
