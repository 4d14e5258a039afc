"""Customers, their contacts and their contracts (customer × plan × dates × units)."""
