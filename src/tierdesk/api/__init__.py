"""The REST API v1 (django-ninja): one router per area, mounted at /api/v1/ by tierdesk/urls.py."""
