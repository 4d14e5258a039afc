"""Providers' catalogs: plans (tiers), entitlements, business calendars, severities, SLA targets, prices."""
