from tests.portal.conftest import _fresh_throttle, world  # noqa: F401 — the same personas and objects
