"""Tierdesk: an IT service desk where the customer's contract drives every SLA."""

__version__ = "0.1.0"
