"""Django settings: `base` (the default, from the environment), `production` (HTTPS hardening), `test`."""
