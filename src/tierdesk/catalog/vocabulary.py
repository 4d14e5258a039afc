"""The fixed words of a catalog: channels, features, SLA metrics, statuses a plan may pause on.

Kept in one module so the catalog loader, the models, the admin and the API agree on every code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    PORTAL = "portal", _("Customer portal")
    MONITORING = "monitoring", _("Infrastructure monitoring")
    API = "api", _("API")


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    UPDATE = "update", _("Customer update")
    ONSITE = "onsite", _("On-site attendance")


class Hours(models.TextChoices):
    """When a target applies, judged on the plan's coverage calendar at the moment the clock starts."""

    ANY = "any", _("Always")
    IN_HOURS = "in_hours", _("In business hours")
    OUT_OF_HOURS = "out_of_hours", _("Out of business hours")


class Feature(models.TextChoices):
    INCIDENT_MANAGEMENT = "incident_management", _("Incident management")
    VENDOR_MANAGEMENT = "vendor_management", _("Third-party vendor management")
    KNOWLEDGE_BASE = "knowledge_base", _("Knowledge base")
    MONITORING = "monitoring", _("Infrastructure monitoring")
    SLA = "sla", _("Service level agreement")
    PREVENTIVE_MAINTENANCE = "preventive_maintenance", _("Preventive maintenance")
    PATCH_MANAGEMENT = "patch_management", _("Patch management")
    REMOTE_SUPPORT = "remote_support", _("Remote diagnosis and reconfiguration")
    ONSITE = "onsite", _("On-site support")
    COURIER_REPLACEMENT = "courier_replacement", _("Courier replacement of faulty equipment")
    LOAN_EQUIPMENT = "loan_equipment", _("Loan equipment")
    TRAINING_RECOMMENDATION = "training_recommendation", _("Training recommendations")
    REPORTING = "reporting", _("Service reports")
    ESCALATION = "escalation", _("Escalation support")
    EXTENDED_HOURS = "extended_hours", _("Support outside business hours on request")


class ReportCadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class PauseStatus(models.TextChoices):
    """Ticket statuses during which a plan may stop its SLA clocks."""

    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_VENDOR = "waiting_vendor", _("Waiting on vendor")


class PriceKind(models.TextChoices):
    BASE = "base", _("Base charge")
    PER_UNIT = "per_unit", _("Per unit")
    PER_INCIDENT = "per_incident", _("Per incident")
    PER_HOUR = "per_hour", _("Per hour")
    ONE_OFF = "one_off", _("One-off fee")


class PricePeriod(models.TextChoices):
    YEAR = "year", _("per year")
    MONTH = "month", _("per month")
    ONCE = "once", _("once")


class Unit(models.TextChoices):
    PORT = "port", _("port")
    SEAT = "seat", _("seat")
    USER = "user", _("user")
    SERVER = "server", _("server")
    DEVICE = "device", _("device")
    SITE = "site", _("site")


class RequiredDetail(models.TextChoices):
    """What a plan asks a customer to give with an incident (NETCOR's list)."""

    SOFTWARE_VERSION = "software_version", _("Software version")
    SYSTEM_DETAILS = "system_details", _("System details")
    DESCRIPTION = "description", _("A full description of the problem")
    SCREENSHOTS = "screenshots", _("Screenshots")
    REMOTE_ACCESS = "remote_access", _("Remote access to the equipment")
