"""SLA scenarios taken from the five seed providers' published service levels, with time travelled.

Each test opens cases through the same services every channel uses, moves time, acts as agents and
customers would, and checks the stored clocks (due time, state, elapsed) against the seed's promise.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tierdesk.catalog.models import Impact, Urgency
from tierdesk.tickets.models import AdhocStatus, EventKind, SlaClock, Status
from tierdesk.tickets.services import (
    EntitlementError,
    TransitionError,
    clocks_refresh,
    ticket_adhoc_accept,
    ticket_adhoc_decline,
    ticket_change_severity,
    ticket_change_status,
    ticket_log_call,
    ticket_note,
    ticket_onsite_arrived,
    ticket_onsite_required,
    ticket_open,
    ticket_reply,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MARTINIQUE = ZoneInfo("America/Martinique")
OSLO = ZoneInfo("Europe/Oslo")
BERLIN = ZoneInfo("Europe/Berlin")


@contextmanager
def at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        yield


def open_case(customer, when, *, channel="phone", impact=None, urgency=None, **kwargs):
    contact = customer.contacts.get()
    axes = {}
    if impact:
        axes = {
            "impact": Impact.objects.get(provider=customer.provider, code=impact),
            "urgency": Urgency.objects.get(provider=customer.provider, code=urgency),
        }
    with at(when):
        return ticket_open(
            customer=customer,
            contact=contact,
            subject="Help",
            body="Details",
            channel=channel,
            actor=contact,
            **axes,
            **kwargs,
        )


def clock(ticket, metric, now=None) -> SlaClock:
    if now is not None:
        clocks_refresh(ticket=ticket, now=now)
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def due(ticket, metric="first_response"):
    return clock(ticket, metric).due_at


@pytest.fixture
def nexstor(make_customer):
    return {
        plan: make_customer("nexstor", plan, slug=f"nx-{plan}")
        for plan in ("bronze", "silver", "gold", "platinum")
    }


@pytest.fixture
def phonecare(make_customer):
    return {
        plan: make_customer("phonecare", plan, slug=f"pc-{plan}", units={"port": 12})
        for plan in ("cat1", "cat2", "cat4")
    }


# -- Nexstor ---------------------------------------------------------------------------------------


def test_nexstor_silver_sev2_friday_evening_is_due_monday_1150(nexstor):
    ticket = open_case(
        nexstor["silver"],
        datetime(2026, 11, 20, 17, 50, tzinfo=LONDON),
        channel="email",
        impact="degraded",
        urgency="today",
    )
    assert ticket.severity.level == 2
    assert due(ticket) == datetime(2026, 11, 23, 11, 50, tzinfo=LONDON)


def test_nexstor_platinum_sev1_phoned_saturday_0200_is_due_0300(nexstor):
    ticket = open_case(
        nexstor["platinum"],
        datetime(2026, 11, 21, 2, 0, tzinfo=LONDON),
        channel="phone",
        impact="outage",
        urgency="immediate",
    )
    c = clock(ticket, "first_response")
    assert c.due_at == datetime(2026, 11, 21, 3, 0, tzinfo=LONDON)
    assert (c.hours, c.target) == ("out_of_hours", timedelta(hours=1))


def test_nexstor_silver_sev1_emailed_saturday_0200_is_due_at_opening_plus_30_minutes(nexstor):
    ticket = open_case(
        nexstor["silver"],
        datetime(2026, 11, 21, 2, 0, tzinfo=LONDON),
        channel="email",
        impact="outage",
        urgency="immediate",
    )
    assert due(ticket) == datetime(2026, 11, 23, 8, 30, tzinfo=LONDON)


def test_nexstor_platinum_email_out_of_hours_waits_for_the_next_working_day(nexstor):
    ticket = open_case(
        nexstor["platinum"],
        datetime(2026, 11, 21, 2, 0, tzinfo=LONDON),
        channel="email",
        impact="outage",
        urgency="immediate",
    )
    assert due(ticket) == datetime(2026, 11, 23, 8, 30, tzinfo=LONDON)


def test_nexstor_platinum_sev2_out_of_hours_is_handled_the_following_working_day(nexstor):
    ticket = open_case(
        nexstor["platinum"],
        datetime(2026, 11, 21, 2, 0, tzinfo=LONDON),
        channel="phone",
        impact="degraded",
        urgency="today",
    )
    assert due(ticket) == datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)


def test_nexstor_platinum_sev1_in_hours_is_30_minutes(nexstor):
    ticket = open_case(
        nexstor["platinum"],
        datetime(2026, 11, 23, 10, 0, tzinfo=LONDON),
        channel="phone",
        impact="outage",
        urgency="immediate",
    )
    c = clock(ticket, "first_response")
    assert (c.due_at, c.hours) == (datetime(2026, 11, 23, 10, 30, tzinfo=LONDON), "any")


def test_nexstor_gold_sev3_across_christmas_and_boxing_day_observed(nexstor):
    ticket = open_case(
        nexstor["gold"], datetime(2026, 12, 24, 16, 0, tzinfo=LONDON), impact="minimal", urgency="today"
    )
    # 2 h on Thursday 24th; 25th Christmas, weekend, Monday 28th Boxing Day (substitute); 6 h on Tuesday.
    assert due(ticket) == datetime(2026, 12, 29, 14, 0, tzinfo=LONDON)


def test_nexstor_silver_sev4_twelve_business_hours(nexstor):
    ticket = open_case(
        nexstor["silver"], datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), impact="low", urgency="planned"
    )
    assert due(ticket) == datetime(2026, 11, 24, 11, 0, tzinfo=LONDON)


def test_nexstor_bronze_has_no_sla_clock(nexstor):
    ticket = open_case(
        nexstor["bronze"], datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), impact="outage", urgency="immediate"
    )
    assert not SlaClock.objects.filter(ticket=ticket).exists()
    assert (ticket.next_due_at, ticket.sla_state) == (None, "")


def test_nexstor_bronze_has_no_portal(nexstor):
    with pytest.raises(EntitlementError, match="does not include Customer portal"):
        open_case(nexstor["bronze"], datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), channel="portal")


def test_first_response_is_met_by_a_public_reply_not_by_a_note(nexstor, agent):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    ticket = open_case(nexstor["silver"], opened, impact="degraded", urgency="today")
    with at(opened + timedelta(minutes=30)):
        ticket_note(ticket=ticket, actor=agent.user, body="Looking at the switch logs")
    assert clock(ticket, "first_response").state == "running"
    with at(opened + timedelta(hours=1)):
        ticket = ticket_reply(ticket=ticket, actor=agent.user, body="We're on it.")
    c = clock(ticket, "first_response")
    assert (c.state, c.met_at, c.elapsed, c.breached_at) == (
        "met",
        opened + timedelta(hours=1),
        timedelta(hours=1),
        None,
    )
    assert ticket.status == Status.ACKNOWLEDGED


def test_first_response_met_late_is_recorded_as_breached(nexstor, agent):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    ticket = open_case(nexstor["silver"], opened, impact="degraded", urgency="today")
    assert clock(ticket, "first_response", now=opened + timedelta(hours=4)).state == "breached"
    with at(opened + timedelta(hours=5)):
        ticket_reply(ticket=ticket, actor=agent.user, body="Sorry for the wait.")
    c = clock(ticket, "first_response")
    assert (c.state, c.breached_at) == ("met", datetime(2026, 11, 23, 13, 0, tzinfo=LONDON))


def test_a_logged_call_is_a_first_response(nexstor, agent):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    ticket = open_case(nexstor["silver"], opened, impact="outage", urgency="immediate")
    with at(opened + timedelta(minutes=20)):
        ticket_log_call(ticket=ticket, actor=agent.user, body="Called Priya, rebooting the SAN", minutes=5)
    assert clock(ticket, "first_response").met_at == opened + timedelta(minutes=20)


def test_severity_upgrade_recomputes_from_the_start(nexstor, agent):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    ticket = open_case(nexstor["silver"], opened, impact="minimal", urgency="today")
    assert due(ticket) == datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)
    with at(opened + timedelta(minutes=10)):
        ticket_change_severity(
            ticket=ticket, actor=agent.user, level=1, reason="Whole site affected after all"
        )
    assert due(ticket) == datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)


def test_nexstor_waiting_on_vendor_does_not_stop_the_clock(nexstor, agent):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    ticket = open_case(nexstor["silver"], opened, impact="degraded", urgency="today")
    with at(opened + timedelta(minutes=30)):
        ticket_change_status(
            ticket=ticket, actor=agent.user, status="waiting_vendor", reason="Dell case opened"
        )
    c = clock(ticket, "first_response", now=opened + timedelta(hours=2))
    assert (c.state, c.due_at) == ("running", datetime(2026, 11, 23, 13, 0, tzinfo=LONDON))


# -- PhoneCare -------------------------------------------------------------------------------------


def test_phonecare_cat1_eight_working_hours_from_friday_afternoon(phonecare):
    ticket = open_case(
        phonecare["cat1"], datetime(2026, 11, 20, 16, 0, tzinfo=LONDON), impact="feature", urgency="blocking"
    )
    assert due(ticket) == datetime(2026, 11, 23, 16, 0, tzinfo=LONDON)


def test_phonecare_cat2_four_hours_in_the_extended_cover(phonecare):
    ticket = open_case(
        phonecare["cat2"], datetime(2026, 11, 20, 22, 0, tzinfo=LONDON), impact="system", urgency="blocking"
    )
    # 1 h until 23:00 on Friday, 3 h from 07:00 on Monday.
    assert due(ticket) == datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


def test_phonecare_christmas_shutdown_and_new_year(phonecare):
    ticket = open_case(
        phonecare["cat1"], datetime(2026, 12, 24, 16, 0, tzinfo=LONDON), impact="feature", urgency="blocking"
    )
    # 1 h on the 24th; 25th, 28th (Boxing Day observed), announced shutdown 29–31, 1 Jan: 7 h on 4 Jan.
    assert due(ticket) == datetime(2027, 1, 4, 16, 0, tzinfo=LONDON)


def test_phonecare_cat4_onsite_within_24_hours_of_the_decision(phonecare, agent):
    opened = datetime(2026, 11, 21, 9, 0, tzinfo=LONDON)
    ticket = open_case(phonecare["cat4"], opened, impact="system", urgency="blocking")
    assert not SlaClock.objects.filter(ticket=ticket, metric="onsite").exists()
    with at(opened + timedelta(hours=1)):
        ticket_onsite_required(ticket=ticket, actor=agent.user, note="PSU failed; engineer dispatched")
    assert due(ticket, "onsite") == datetime(2026, 11, 22, 10, 0, tzinfo=LONDON)
    with at(datetime(2026, 11, 22, 9, 15, tzinfo=LONDON)):
        ticket_onsite_arrived(ticket=ticket, actor=agent.user)
    c = clock(ticket, "onsite")
    assert (c.state, c.breached_at) == ("met", None)


def test_phonecare_waiting_for_remote_access_is_not_counted(phonecare, agent, contact_of=None):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    customer = phonecare["cat1"]
    ticket = open_case(customer, opened, impact="feature", urgency="blocking")
    with at(opened + timedelta(hours=1)):
        ticket_change_status(
            ticket=ticket, actor=agent.user, status="waiting_customer", reason="Need SSH access"
        )
    paused = clock(ticket, "first_response", now=opened + timedelta(hours=5))
    assert (paused.state, paused.due_at, paused.elapsed) == ("paused", None, timedelta(hours=1))
    with at(datetime(2026, 11, 24, 15, 0, tzinfo=LONDON)):
        ticket_reply(ticket=ticket, actor=customer.contacts.get(), body="Access granted from 10.0.0.0/8")
    # 1 h on Monday, paused until Tuesday 15:00, 2 h on Tuesday, 5 h on Wednesday.
    c = clock(ticket, "first_response")
    assert (c.state, c.due_at) == ("running", datetime(2026, 11, 25, 14, 0, tzinfo=LONDON))
    assert ticket.events.filter(kind=EventKind.STATUS, data__to="in_progress").exists()


def test_phonecare_adhoc_case_awaits_acceptance_and_is_charged(make_customer, agent):
    walk_in = make_customer("phonecare", None, slug="walk-in")
    ticket = open_case(walk_in, datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), channel="phone")
    assert (ticket.plan.slug, ticket.adhoc_status) == ("cats", AdhocStatus.PENDING)
    with (
        at(datetime(2026, 11, 23, 10, 5, tzinfo=LONDON)),
        pytest.raises(TransitionError, match="awaiting acceptance"),
    ):
        ticket_reply(ticket=ticket, actor=agent.user, body="Hello")
    with at(datetime(2026, 11, 23, 10, 10, tzinfo=LONDON)):
        ticket = ticket_adhoc_accept(ticket=ticket, actor=agent.user)
    accepted = ticket.events.get(kind=EventKind.ADHOC_ACCEPTED)
    assert accepted.data == {
        "chargeable": True,
        "price": "70.00",
        "currency": "GBP",
        "excludes_vat": True,
        "max_hours": "2.00",
    }
    assert ticket.adhoc_status == AdhocStatus.ACCEPTED


def test_phonecare_adhoc_case_may_be_declined_with_a_reason(make_customer, agent):
    walk_in = make_customer("phonecare", None, slug="walk-in")
    ticket = open_case(walk_in, datetime(2026, 11, 23, 10, 0, tzinfo=LONDON), channel="email")
    with at(datetime(2026, 11, 23, 11, 0, tzinfo=LONDON)):
        ticket = ticket_adhoc_decline(ticket=ticket, actor=agent.user, reason="We do not support this model.")
    assert (ticket.status, ticket.adhoc_status) == (Status.CLOSED, AdhocStatus.DECLINED)
    declined = ticket.events.get(kind=EventKind.ADHOC_DECLINED)
    assert declined.public and declined.body == "We do not support this model."


# -- Exodata ---------------------------------------------------------------------------------------


@pytest.fixture
def exodata(make_customer):
    return {plan: make_customer("exodata", plan, slug=f"exo-{plan}") for plan in ("standard", "premium")}


def test_exodata_critique_tuesday_1550_gti_wednesday_0805(exodata):
    ticket = open_case(
        exodata["standard"],
        datetime(2026, 11, 17, 15, 50, tzinfo=MARTINIQUE),
        channel="portal",
        impact="several_users",
        urgency="blocked_no_workaround",
    )
    assert ticket.severity.label == "Critique"
    assert due(ticket) == datetime(2026, 11, 18, 8, 5, tzinfo=MARTINIQUE)
    assert due(ticket, "resolution") == datetime(2026, 11, 18, 11, 50, tzinfo=MARTINIQUE)


def test_exodata_normale_gtr_seven_working_days(exodata):
    ticket = open_case(
        exodata["standard"],
        datetime(2026, 11, 23, 8, 0, tzinfo=MARTINIQUE),
        channel="portal",
        impact="one_user",
        urgency="not_blocked",
    )
    assert due(ticket, "resolution") == datetime(2026, 12, 1, 16, 0, tzinfo=MARTINIQUE)


def test_exodata_premium_round_the_clock(exodata):
    ticket = open_case(
        exodata["premium"],
        datetime(2026, 11, 21, 3, 0, tzinfo=MARTINIQUE),
        channel="phone",
        impact="several_users",
        urgency="blocked_no_workaround",
    )
    assert due(ticket) == datetime(2026, 11, 21, 3, 15, tzinfo=MARTINIQUE)
    assert due(ticket, "resolution") == datetime(2026, 11, 21, 7, 0, tzinfo=MARTINIQUE)


def test_exodata_martinique_holidays(exodata):
    # Thursday 21 May 2026, 15:45: 15 min, then 22 May (Abolition de l'esclavage), the weekend and
    # 25 May (Lundi de Pentecôte) are closed.
    ticket = open_case(
        exodata["standard"],
        datetime(2026, 5, 21, 15, 45, tzinfo=MARTINIQUE),
        channel="portal",
        impact="one_user",
        urgency="blocked_no_workaround",
    )
    assert due(ticket) == datetime(2026, 5, 26, 8, 15, tzinfo=MARTINIQUE)


def test_exodata_offers_no_email_channel(exodata):
    with pytest.raises(EntitlementError):
        open_case(exodata["standard"], datetime(2026, 11, 23, 9, 0, tzinfo=MARTINIQUE), channel="email")


def test_exodata_resolution_stops_on_resolve_and_resumes_on_reopen(exodata, agent):
    customer = exodata["standard"]
    opened = datetime(2026, 11, 23, 8, 0, tzinfo=MARTINIQUE)  # Monday
    ticket = open_case(customer, opened, channel="portal", impact="one_user", urgency="blocked_workaround")
    with at(opened + timedelta(minutes=20)):
        ticket_reply(ticket=ticket, actor=agent.user, body="Bonjour, nous regardons.")
    with at(opened + timedelta(hours=4)):
        ticket_change_status(ticket=ticket, actor=agent.user, status="resolved", reason="Pilote réinstallé")
    resolved = clock(ticket, "resolution")
    assert (resolved.state, resolved.elapsed) == ("met", timedelta(hours=4))
    with at(datetime(2026, 11, 25, 8, 0, tzinfo=MARTINIQUE)):
        ticket_change_status(
            ticket=ticket, actor=customer.contacts.get(), status="in_progress", reason="Toujours en panne"
        )
    # 3 jours = 24 h of desk time: 4 h used; 20 h more from Wednesday 08:00 → Friday 12:00.
    c = clock(ticket, "resolution")
    assert (c.state, c.due_at) == ("running", datetime(2026, 11, 27, 12, 0, tzinfo=MARTINIQUE))


def test_reopening_after_the_window_is_refused(exodata, agent):
    customer = exodata["standard"]
    opened = datetime(2026, 11, 2, 9, 0, tzinfo=MARTINIQUE)
    ticket = open_case(customer, opened, channel="portal")
    with at(opened + timedelta(hours=1)):
        ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")
    with at(opened + timedelta(days=20)), pytest.raises(TransitionError, match="open a new case"):
        ticket_change_status(ticket=ticket, actor=customer.contacts.get(), status="in_progress")


# -- Biztek ----------------------------------------------------------------------------------------


@pytest.fixture
def biztek(make_customer):
    return make_customer("biztek", "standard", slug="fjordlaks")


def test_biztek_sev1_friday_afternoon(biztek):
    ticket = open_case(
        biztek, datetime(2026, 11, 20, 15, 30, tzinfo=OSLO), impact="services_down", urgency="deadlines"
    )
    assert due(ticket) == datetime(2026, 11, 23, 7, 30, tzinfo=OSLO)


def test_biztek_downgrade_after_waiting_on_customer_access_keeps_the_paused_time(biztek, agent):
    opened = datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)
    ticket = open_case(biztek, opened, impact="services_down", urgency="deadlines")
    assert due(ticket) == datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)
    with at(opened + timedelta(minutes=20)):
        ticket_change_status(
            ticket=ticket,
            actor=agent.user,
            status="waiting_customer",
            reason="Trenger global administrator-tilgang",
        )
    with at(opened + timedelta(hours=2, minutes=20)):
        ticket = ticket_change_severity(
            ticket=ticket, actor=agent.user, level=2, reason="Kunden kunne ikke stille med tilgang"
        )
    downgrade = ticket.events.get(kind=EventKind.SEVERITY)
    assert downgrade.public and downgrade.data == {"from": 1, "to": 2, "downgrade": True}
    assert downgrade.body == "Kunden kunne ikke stille med tilgang"
    with at(opened + timedelta(hours=2, minutes=30)):
        ticket_reply(ticket=ticket, actor=biztek.contacts.get(), body="Tilgang gitt nå")
    # 20 min counted before the pause; 3 h 40 left of Sev2's 4 h from 10:30.
    c = clock(ticket, "first_response")
    assert (c.state, c.target, c.due_at) == (
        "running",
        timedelta(hours=4),
        datetime(2026, 11, 23, 14, 10, tzinfo=OSLO),
    )


def test_biztek_norwegian_constitution_day(biztek):
    ticket = open_case(
        biztek, datetime(2027, 5, 14, 12, 0, tzinfo=OSLO), impact="non_critical", urgency="working_hours"
    )
    assert due(ticket) == datetime(2027, 5, 18, 11, 0, tzinfo=OSLO)


# -- NETCOR ----------------------------------------------------------------------------------------


@pytest.fixture
def netcor(make_customer):
    return make_customer("netcor", "standard", slug="nordheide")


def test_netcor_stufe3_the_day_before_ascension(netcor):
    ticket = open_case(
        netcor,
        datetime(2026, 5, 13, 10, 0, tzinfo=BERLIN),
        channel="email",
        impact="minor",
        urgency="workaround",
    )
    # 2 Geschäftstage = 17 h: 7 h Wednesday, Thursday closed (Christi Himmelfahrt), 8 h 30 Friday, 1 h 30 Monday.
    assert due(ticket) == datetime(2026, 5, 18, 10, 0, tzinfo=BERLIN)


def test_netcor_stufe3_the_day_before_reformation_day_in_lower_saxony(netcor):
    ticket = open_case(
        netcor,
        datetime(2028, 10, 30, 10, 0, tzinfo=BERLIN),
        channel="email",
        impact="minor",
        urgency="workaround",
    )
    assert due(ticket) == datetime(2028, 11, 2, 10, 0, tzinfo=BERLIN)


def test_netcor_stufe1_is_followed_daily(netcor, agent):
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    ticket = open_case(netcor, opened, channel="email", impact="outage", urgency="no_workaround")
    assert due(ticket) == datetime(2026, 11, 23, 13, 0, tzinfo=BERLIN)
    with at(opened + timedelta(hours=1)):
        ticket_reply(ticket=ticket, actor=agent.user, body="Wir analysieren die Logs.")
    update = clock(ticket, "update")
    assert (update.cycle, update.due_at) == (2, datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    late = clock(ticket, "update", now=datetime(2026, 11, 24, 10, 1, tzinfo=BERLIN))
    assert late.state == "breached"
    with at(datetime(2026, 11, 24, 11, 0, tzinfo=BERLIN)):
        ticket_reply(ticket=ticket, actor=agent.user, body="Update: Hersteller eingebunden.")
    update = clock(ticket, "update")
    assert (update.state, update.cycle, update.misses) == ("running", 3, 1)
    assert update.due_at == datetime(2026, 11, 25, 11, 0, tzinfo=BERLIN)


def test_netcor_stufe4_four_business_days(netcor):
    ticket = open_case(
        netcor,
        datetime(2026, 10, 22, 14, 0, tzinfo=BERLIN),
        channel="email",
        impact="request",
        urgency="workaround",
    )
    # 34 h: 3 h Thu 22, 8.5 Fri 23, 8.5 Mon 26 (after the clocks went back), 8.5 Tue 27, 5.5 Wed 28.
    assert due(ticket) == datetime(2026, 10, 28, 14, 0, tzinfo=BERLIN)


def test_netcor_phone_out_of_hours_is_noted_and_counts_from_the_opening(netcor):
    ticket = open_case(
        netcor,
        datetime(2026, 11, 23, 18, 0, tzinfo=BERLIN),
        channel="phone",
        impact="major",
        urgency="workaround",
    )
    opened = ticket.events.get(kind=EventKind.OPENED)
    assert opened.data["outside_channel_hours"] is True
    assert opened.data["channel_opens_at"] == "2026-11-24T08:30:00+01:00"
    assert due(ticket) == datetime(2026, 11, 24, 16, 30, tzinfo=BERLIN)


# -- warnings --------------------------------------------------------------------------------------


def test_breach_warnings_go_once_to_the_assignee_and_the_team_lead(nexstor, agent, agent2, mailoutbox):
    from tierdesk.accounts.models import Team
    from tierdesk.notify.models import Notification, OutboundEmail
    from tierdesk.notify.services import outbox_send_pending
    from tierdesk.tickets.services import sla_warnings_send, ticket_assign

    team = Team.objects.create(slug="nexstor-desk", name="Nexstor desk", lead=agent2)
    agent.teams.add(team)
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    ticket = open_case(nexstor["silver"], opened, impact="degraded", urgency="today")  # 4 h
    with at(opened):
        ticket_assign(ticket=ticket, actor=agent2.user, assignee=agent, team=team)

    with at(opened + timedelta(hours=2, minutes=59)):
        assert sla_warnings_send() == {"warned": 0, "breached": 0}
    with at(opened + timedelta(hours=3)):
        assert sla_warnings_send() == {"warned": 1, "breached": 0}
        assert sla_warnings_send() == {"warned": 0, "breached": 0}
    with at(opened + timedelta(hours=4)):
        assert sla_warnings_send() == {"warned": 0, "breached": 1}
        assert sla_warnings_send() == {"warned": 0, "breached": 0}

    kinds = sorted(Notification.objects.values_list("user__username", "kind"))
    assert kinds == [
        ("alice", "sla_breach"),
        ("alice", "sla_warning"),
        ("bob", "sla_breach"),
        ("bob", "sla_warning"),
    ]
    assert OutboundEmail.objects.filter(dedupe_key__startswith="sla:").count() == 4
    assert clock(ticket, "first_response").state == "breached"
    with at(opened + timedelta(hours=4)):
        sent = outbox_send_pending()
        assert outbox_send_pending() == 0
    to_agents = [m for m in mailoutbox if m.to[0].endswith("@desk.example")]
    assert sent == len(mailoutbox)  # the customer's acknowledgement goes out too
    assert sorted(m.to[0] for m in to_agents) == ["alice@desk.example"] * 2 + ["bob@desk.example"] * 2
    assert all(m.subject.startswith(f"[{ticket.number}]") for m in to_agents)


def test_a_warning_speaks_the_agents_language_and_time_zone(nexstor, agent):
    from tierdesk.notify.models import Notification
    from tierdesk.tickets.services import sla_warnings_send, ticket_assign

    agent.user.language, agent.user.timezone = "fr", "America/Martinique"
    agent.user.save()
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # Monday; the 4 h response is due 13:00 London
    ticket = open_case(nexstor["silver"], opened, impact="degraded", urgency="today")
    with at(opened):
        ticket_assign(ticket=ticket, actor=agent.user, assignee=agent)
    with at(opened + timedelta(hours=3)):
        sla_warnings_send()
    text = Notification.objects.get(user=agent.user, kind="sla_warning").text
    # 13:00 in London is 09:00 in Martinique; the day and month read in French.
    assert text.startswith(ticket.number) and "échéance lun 23 Nov 09:00" in text, text


@pytest.mark.django_db(transaction=True)
def test_two_workers_warning_at_once_send_each_warning_once(make_customer, agent):
    import threading

    from django.db import connection

    from tierdesk.notify.models import Notification
    from tierdesk.tickets.services import sla_warnings_send, ticket_assign

    customer = make_customer("nexstor", "silver", slug="busy")
    opened = datetime.now(tz=UTC) - timedelta(days=30)
    tickets = [open_case(customer, opened, impact="degraded", urgency="today") for _ in range(6)]
    for t in tickets:
        ticket_assign(ticket=t, actor=agent.user, assignee=agent)
    results: list[dict] = []

    def worker():
        try:
            results.append(sla_warnings_send())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["breached"] for r in results) == 6
    assert Notification.objects.filter(kind="sla_breach").count() == 6
