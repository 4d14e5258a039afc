"""Tickets (cases), their append-only event log, and every write operation on them (services.py)."""
