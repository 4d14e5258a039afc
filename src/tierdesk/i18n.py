"""Languages Tierdesk speaks: its interface, its e-mails and its business-time explanations."""

from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("nb", _("Norwegian Bokmål")),
]
LANGUAGE_CODES = frozenset(code for code, _label in LANGUAGE_CHOICES)
