"""Demo data: the five seed providers' catalogs, their customers, contacts, contracts, agents and cases.

`demo_load` is idempotent: every record has a natural key (a slug, an e-mail address, a subject) and
is created only when missing, so running `tierdesk demo` twice changes nothing the second time.
Cases are opened through `ticket_open`, the same service every channel uses, at instants spread over
the last three weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction

from tierdesk import clock
from tierdesk.accounts.models import Agent, Team, User
from tierdesk.catalog.models import Impact, Provider, Urgency
from tierdesk.catalog.services import catalog_load
from tierdesk.customers.models import Contact, Contract, Customer
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import (
    ticket_assign,
    ticket_change_severity,
    ticket_change_status,
    ticket_log_call,
    ticket_onsite_required,
    ticket_open,
    ticket_reply,
)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "tierdesk-demo"  # noqa: S105 (printed by `tierdesk demo`; a local demo only)


def catalog_dir() -> Path:
    """The seed catalogs: `catalogs/` in the source tree (TIERDESK_CATALOG_DIR overrides)."""
    import os

    configured = os.environ.get("TIERDESK_CATALOG_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "catalogs"


@dataclass
class DemoSummary:
    providers: list[str] = field(default_factory=list)
    customers: int = 0
    tickets_created: int = 0
    tickets_total: int = 0

    def text(self) -> str:
        return (
            f"Demo data ready: {len(self.providers)} providers ({', '.join(self.providers)}), "
            f"{self.customers} customers, {self.tickets_total} cases ({self.tickets_created} new).\n"
            f"Sign in as '{DEMO_USERNAME}' with password '{DEMO_PASSWORD}'."
        )


# (provider, customer slug, name, language, timezone, plan or None for ad hoc, units, contacts, cases)
# A case: (subject, body, impact, urgency, channel, type, hours ago)
CUSTOMERS: list[dict] = [
    {
        "provider": "nexstor",
        "slug": "sherwood-logistics",
        "name": "Sherwood Logistics Ltd",
        "language": "en",
        "timezone": "Europe/London",
        "plan": "silver",
        "domains": ["sherwood-logistics.example"],
        "contacts": [("Priya Shah", "priya.shah@sherwood-logistics.example", "technical")],
        "cases": [
            (
                "Warehouse scanners cannot reach the WMS server",
                "Since 07:30 none of the handheld scanners in bay 3 connect. Error: 'host unreachable'.",
                "degraded",
                "immediate",
                "email",
                "incident",
                50,
            ),
            (
                "Backup job failed overnight on FS02",
                "Veeam reports 'VSS snapshot failed' for FS02.",
                "minimal",
                "today",
                "portal",
                "incident",
                6,
            ),
        ],
    },
    {
        "provider": "nexstor",
        "slug": "trentbridge-dental",
        "name": "Trentbridge Dental Group",
        "language": "en",
        "timezone": "Europe/London",
        "plan": "bronze",
        "domains": ["trentbridgedental.example"],
        "contacts": [("Mark Ellison", "mark@trentbridgedental.example", "manager")],
        "cases": [
            (
                "New starter needs a mailbox",
                "Please create a mailbox for our new hygienist, Ana Costa, starting Monday.",
                "low",
                "planned",
                "email",
                "service_request",
                30,
            ),
        ],
    },
    {
        "provider": "nexstor",
        "slug": "castlegate-housing",
        "name": "Castlegate Housing Association",
        "language": "en",
        "timezone": "Europe/London",
        "plan": "gold",
        "domains": ["castlegate.example"],
        "contacts": [("Sophie Turner", "s.turner@castlegate.example", "technical")],
        "cases": [
            (
                "Housing system very slow for all staff",
                "Opening a tenancy record takes over a minute.",
                "degraded",
                "today",
                "phone",
                "incident",
                3,
            ),
            (
                "Quarterly patching window for January",
                "Can we agree the January patch window for the domain controllers?",
                "low",
                "planned",
                "portal",
                "service_request",
                120,
            ),
        ],
    },
    {
        "provider": "nexstor",
        "slug": "peak-cloud",
        "name": "Peak Cloud Hosting",
        "language": "en",
        "timezone": "Europe/London",
        "plan": "platinum",
        "domains": ["peakcloud.example"],
        "contacts": [("Daniel Okafor", "d.okafor@peakcloud.example", "technical")],
        "cases": [
            (
                "Production SAN offline",
                "Both controllers of the production SAN are offline; all hosted VMs are down.",
                "outage",
                "immediate",
                "phone",
                "incident",
                20,
            ),
        ],
    },
    {
        "provider": "phonecare",
        "slug": "avon-valley-vets",
        "name": "Avon Valley Veterinary",
        "language": "en",
        "timezone": "Europe/London",
        "plan": "cat2",
        "units": {"port": 24},
        "domains": ["avonvets.example"],
        "contacts": [("Helen Price", "helen@avonvets.example", "manager")],
        "cases": [
            (
                "Reception handsets show 'No service'",
                "All three reception phones lost service after the power cut this morning.",
                "system",
                "blocking",
                "phone",
                "incident",
                4,
            ),
            (
                "How do I change the out-of-hours message?",
                "We want a new message over Christmas.",
                "question",
                "not_blocking",
                "email",
                "information",
                70,
            ),
        ],
    },
    {
        "provider": "phonecare",
        "slug": "widcombe-medical",
        "name": "Widcombe Medical Practice",
        "language": "en",
        "timezone": "Europe/London",
        "plan": "cat4",
        "units": {"port": 40},
        "domains": ["widcombemed.example"],
        "contacts": [("Dr Raj Patel", "r.patel@widcombemed.example", "manager")],
        "cases": [
            (
                "Asterisk server will not boot",
                "The phone server shows a disk error at boot.",
                "system",
                "blocking",
                "phone",
                "incident",
                9,
            ),
        ],
    },
    {
        "provider": "phonecare",
        "slug": "kingsmead-cafe",
        "name": "Kingsmead Café",
        "language": "en",
        "timezone": "Europe/London",
        "plan": None,
        "domains": ["kingsmeadcafe.example"],
        "contacts": [("Lucy Barnes", "lucy@kingsmeadcafe.example", "manager")],
        "cases": [
            (
                "Phone rings but no audio",
                "Callers can't hear us on the main line.",
                "feature",
                "blocking",
                "phone",
                "incident",
                26,
            ),
        ],
    },
    {
        "provider": "exodata",
        "slug": "distillerie-lamentin",
        "name": "Distillerie du Lamentin",
        "language": "fr",
        "timezone": "America/Martinique",
        "plan": "standard",
        "domains": ["distillerie-lamentin.example"],
        "contacts": [("Joëlle Céleste", "j.celeste@distillerie-lamentin.example", "technical")],
        "cases": [
            (
                "Messagerie inaccessible pour tout le service comptable",
                "Depuis ce matin, aucun poste de la "
                "comptabilité n'accède à Outlook. Aucun contournement possible.",
                "several_users",
                "blocked_no_workaround",
                "portal",
                "incident",
                2,
            ),
            (
                "Création d'un compte pour un nouvel arrivant",
                "Merci de créer un compte pour M. Rosier.",
                "one_user",
                "not_blocked",
                "portal",
                "service_request",
                40,
            ),
        ],
    },
    {
        "provider": "exodata",
        "slug": "clinique-trois-ilets",
        "name": "Clinique des Trois-Îlets",
        "language": "fr",
        "timezone": "America/Martinique",
        "plan": "premium",
        "domains": ["clinique-trois-ilets.example"],
        "contacts": [("Marc-Antoine Lubin", "ma.lubin@clinique-trois-ilets.example", "technical")],
        "cases": [
            (
                "Imprimante du bloc opératoire hors ligne",
                "L'imprimante d'étiquettes du bloc ne répond plus; "
                "nous utilisons celle de l'accueil en attendant.",
                "one_user",
                "blocked_workaround",
                "phone",
                "incident",
                11,
            ),
        ],
    },
    {
        "provider": "biztek",
        "slug": "fjordlaks",
        "name": "Fjordlaks AS",
        "language": "nb",
        "timezone": "Europe/Oslo",
        "plan": "standard",
        "domains": ["fjordlaks.example"],
        "contacts": [("Ingrid Haugen", "ingrid.haugen@fjordlaks.example", "technical")],
        "cases": [
            (
                "Microsoft 365 utilgjengelig for hele kontoret",
                "Ingen får logget inn i Teams eller Outlook. Leveransefrister påvirkes.",
                "services_down",
                "deadlines",
                "phone",
                "incident",
                5,
            ),
            (
                "Skriver i 2. etasje skriver ikke ut",
                "Printix-køen står fast.",
                "non_critical",
                "working_hours",
                "portal",
                "incident",
                52,
            ),
        ],
    },
    {
        "provider": "biztek",
        "slug": "bergen-byggteknikk",
        "name": "Bergen Byggteknikk AS",
        "language": "nb",
        "timezone": "Europe/Oslo",
        "plan": "standard",
        "domains": ["byggteknikk.example"],
        "contacts": [("Ole Nordmann", "ole@byggteknikk.example", "manager")],
        "cases": [
            (
                "VPN veldig treg fra byggeplass",
                "Tilkoblingen faller ut hvert tiende minutt.",
                "critical_functions",
                "working_hours",
                "email",
                "incident",
                28,
            ),
        ],
    },
    {
        "provider": "netcor",
        "slug": "nordheide-maschinenbau",
        "name": "Nordheide Maschinenbau GmbH",
        "language": "de",
        "timezone": "Europe/Berlin",
        "plan": "standard",
        "domains": ["nordheide-mb.example"],
        "contacts": [("Jonas Becker", "j.becker@nordheide-mb.example", "technical")],
        "cases": [
            (
                "Firewall-Cluster nach Update ausgefallen",
                "Nach dem Update auf 7.2.8 ist der Cluster nicht erreichbar; keine Ausweichlösung.",
                "outage",
                "no_workaround",
                "email",
                "incident",
                7,
            ),
            (
                "Frage zur Lizenzverlängerung",
                "Wie verlängern wir die Lizenzen für 2027?",
                "request",
                "workaround",
                "email",
                "information",
                100,
            ),
        ],
    },
    {
        "provider": "netcor",
        "slug": "elbe-medizintechnik",
        "name": "Elbe Medizintechnik GmbH",
        "language": "de",
        "timezone": "Europe/Berlin",
        "plan": "standard",
        "domains": ["elbe-medtech.example"],
        "contacts": [("Katrin Wolff", "k.wolff@elbe-medtech.example", "technical")],
        "cases": [
            (
                "WLAN im Lager fällt sporadisch aus",
                "Scanner verlieren mehrmals täglich die Verbindung.",
                "minor",
                "workaround",
                "phone",
                "incident",
                30,
            ),
        ],
    },
]

# What happened on each demo case after it was opened: (minutes after opening, action, arguments).
# The actor is the provider's agent; "customer" actions are the case's contact. Actions that would
# fall in the future when the demo is loaded are skipped, so the data looks lived-in at any time.
HISTORIES: dict[str, list[tuple]] = {
    "Warehouse scanners cannot reach the WMS server": [
        (5, "assign"),
        (95, "reply", "We can see the WMS server dropping connections; checking the switch."),
        (180, "status", "waiting_customer", "Need someone on site to power-cycle switch SW-3."),
    ],
    "New starter needs a mailbox": [
        (
            40,
            "reply",
            "Mailbox created: ana.costa@trentbridgedental.example. Temporary password sent by SMS.",
        ),
        (300, "status", "resolved", "Mailbox in place."),
    ],
    "Housing system very slow for all staff": [
        (2, "assign"),
        (20, "call", "Spoke to Sophie: SQL server at 100% CPU since the 07:00 import."),
        (25, "status", "in_progress", ""),
    ],
    "Quarterly patching window for January": [
        (60, "reply", "We propose Saturday 9 January, 07:00–11:00. Does that suit?"),
        (61, "status", "waiting_customer", "Waiting for the customer to confirm the window."),
    ],
    "Production SAN offline": [
        (1, "assign"),
        (10, "call", "On-call engineer with Daniel: both controllers down after a firmware push."),
        (40, "status", "waiting_vendor", "Dell ProSupport case 20483 opened."),
        (260, "status", "in_progress", "Dell replaced controller B remotely."),
        (360, "status", "resolved", "Both controllers online, VMs restarted and checked with the customer."),
    ],
    "How do I change the out-of-hours message?": [
        (
            1500,
            "reply",
            "Record the new message on extension 8000, option 3; we can also upload a WAV for you.",
        ),
        (1560, "status", "resolved", "Explained by e-mail."),
    ],
    "Asterisk server will not boot": [
        (3, "assign"),
        (15, "call", "Disk error on sda; remote rescue boot failed."),
        (60, "onsite", "Replacement server and disk dispatched with an engineer."),
    ],
    "Messagerie inaccessible pour tout le service comptable": [
        (2, "assign"),
        (
            10,
            "reply",
            "Bonjour, nous avons identifié une panne du connecteur Exchange; intervention en cours.",
        ),
    ],
    "Création d'un compte pour un nouvel arrivant": [
        (30, "reply", "Le compte de M. Rosier est créé; identifiants transmis par téléphone."),
        (35, "status", "resolved", "Compte créé."),
    ],
    "Imprimante du bloc opératoire hors ligne": [
        (
            20,
            "reply",
            "Nous avons ouvert une demande auprès du constructeur pour la carte réseau de l'imprimante.",
        ),
        (25, "status", "waiting_vendor", "Demande constructeur n° 77812."),
    ],
    "Microsoft 365 utilgjengelig for hele kontoret": [
        (4, "assign"),
        (30, "call", "Ringte Ingrid: innlogging feiler for alle; trenger global administrator-tilgang."),
        (35, "status", "waiting_customer", "Venter på administrator-tilgang."),
        (155, "severity", 2, "Kunden kunne ikke stille med tilgang; nedgradert i henhold til SLA."),
    ],
    "Skriver i 2. etasje skriver ikke ut": [
        (90, "reply", "Printix har bekreftet en feil på sin side; vi følger opp."),
        (95, "status", "waiting_vendor", "Sak hos Printix."),
    ],
    "VPN veldig treg fra byggeplass": [
        (200, "reply", "Vi ser pakketap på 4G-ruteren; kan dere sende et bilde av oppsettet?")
    ],
    "Firewall-Cluster nach Update ausgefallen": [
        (3, "assign"),
        (50, "reply", "Wir analysieren die Logs des Clusters und haben den Hersteller eingebunden."),
    ],
    "Frage zur Lizenzverlängerung": [
        (600, "reply", "Die Verlängerung für 2027 ist über das Partnerportal möglich; Angebot anbei."),
        (620, "status", "resolved", "Angebot versandt."),
    ],
}

AGENTS = [
    # (username, first, last, language, timezone, team slug, leads team)
    ("amelia", "Amelia", "Hart", "en", "Europe/London", "nexstor-desk", True),
    ("tom", "Tom", "Fielding", "en", "Europe/London", "phonecare-engineers", True),
    ("camille", "Camille", "Rose", "fr", "America/Martinique", "exodata-desk", True),
    ("ingrid", "Ingrid", "Solberg", "nb", "Europe/Oslo", "biztek-spoc", True),
    ("jonas", "Jonas", "Krüger", "de", "Europe/Berlin", "netcor-support", True),
]
TEAMS = [
    ("nexstor-desk", "Nexstor Service Desk", "nexstor"),
    ("phonecare-engineers", "PhoneCare engineers", "phonecare"),
    ("exodata-desk", "Service Desk Exo", "exodata"),
    ("biztek-spoc", "Biztek SPOC", "biztek"),
    ("netcor-support", "NETCOR Support", "netcor"),
]


def demo_load(*, progress: bool = False) -> DemoSummary:
    from tqdm import tqdm

    summary = DemoSummary()
    paths = sorted(catalog_dir().glob("*.toml"))
    results = catalog_load(paths=paths)
    summary.providers = [r.provider for r in results]
    with transaction.atomic():
        _agents()
    today = clock.now().date()
    for spec in tqdm(CUSTOMERS, desc="Demo customers", unit="customer", disable=not progress):
        with transaction.atomic():
            summary.tickets_created += _customer(spec, today)
    with transaction.atomic():
        before = Ticket.objects.count()
        _monitoring()  # may open an incident: a fault the demo's phone system reports
        summary.tickets_created += Ticket.objects.count() - before
    summary.customers = Customer.objects.filter(slug__in=[c["slug"] for c in CUSTOMERS]).count()
    summary.tickets_total = Ticket.objects.count()
    return summary


MONITORED = [("castlegate-housing", "castlegate-fs01"), ("avon-valley-vets", "avon-pbx")]


def _monitoring() -> None:
    """A monitored asset for two customers whose plans include monitoring, with a heartbeat check (the
    customer's host calls in, so nothing leaves the desk) and an hour of results, so the status
    boards have something to show. Created once."""
    from tierdesk.monitoring.models import Check
    from tierdesk.monitoring.services import asset_create, check_create, check_run

    now = clock.now()
    for slug, name in MONITORED:
        customer = Customer.objects.filter(slug=slug).first()
        if customer is None or customer.monitored_assets.exists():
            continue
        asset = asset_create(customer=customer, name=name)
        check, _secret = check_create(
            asset=asset,
            name="Nightly backup",
            kind="heartbeat",
            interval=timedelta(days=1),
            grace=timedelta(hours=2),
        )
        for minutes in range(60, -1, -5):
            check_run(check=check, now=now - timedelta(minutes=minutes))
        if slug == "avon-valley-vets":
            # The phone system stopped calling in 40 minutes ago: a fault with its incident, on the
            # status boards and in the queue, waiting to be acknowledged.
            trunk, _secret = check_create(
                asset=asset,
                name="SIP trunk registered",
                kind="heartbeat",
                interval=timedelta(minutes=5),
                grace=timedelta(minutes=5),
                # No trunk, no calls in or out: the whole system, blocking ("System down").
                impact=Impact.objects.get(provider=customer.provider, code="system"),
                urgency=Urgency.objects.get(provider=customer.provider, code="blocking"),
            )
            silent_since = now - timedelta(minutes=40)
            Check.objects.filter(pk=trunk.pk).update(created_at=silent_since, last_ping_at=silent_since)
            trunk.refresh_from_db()
            for minutes in (10, 5, 0):
                check_run(check=trunk, now=now - timedelta(minutes=minutes))


def _agents() -> None:
    demo, created = User.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={
            "first_name": "Demo",
            "last_name": "Agent",
            "email": "demo@tierdesk.example",
            "is_staff": True,
            "is_superuser": True,
            "timezone": "Europe/London",
        },
    )
    if created:
        demo.set_password(DEMO_PASSWORD)
        demo.save(update_fields=["password"])
    demo_agent, _ = Agent.objects.get_or_create(user=demo)
    teams = {}
    for slug, name, provider in TEAMS:
        teams[slug], _ = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "provider": Provider.objects.get(slug=provider)}
        )
    for username, first, last, language, tz, team_slug, leads in AGENTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@tierdesk.example",
                "language": language,
                "timezone": tz,
            },
        )
        if created:
            user.set_unusable_password()  # only the demo account signs in
            user.save(update_fields=["password"])
        agent, _ = Agent.objects.get_or_create(user=user)
        agent.teams.add(teams[team_slug])
        if leads and teams[team_slug].lead_id is None:
            teams[team_slug].lead = agent
            teams[team_slug].save(update_fields=["lead"])
    demo_agent.teams.add(*teams.values())


def _customer(spec: dict, today: date) -> int:
    provider = Provider.objects.get(slug=spec["provider"])
    customer, _ = Customer.objects.get_or_create(
        provider=provider,
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "language": spec["language"],
            "timezone": spec["timezone"],
            "email_domains": spec.get("domains", []),
        },
    )
    contacts = []
    for name, email, role in spec["contacts"]:
        contact, _ = Contact.objects.get_or_create(
            customer=customer, email=email, defaults={"name": name, "role": role}
        )
        contacts.append(contact)
    if spec["plan"] and not customer.contracts.exists():
        Contract.objects.create(
            customer=customer,
            plan=provider.plans.get(slug=spec["plan"]),
            reference=f"{provider.case_prefix}-C-{customer.pk:04d}",
            starts_on=today.replace(year=today.year - 1, day=1),
            units=spec.get("units", {}),
        )
    created = 0
    now = clock.now()
    team = Team.objects.filter(provider=provider).select_related("lead__user").first()
    for subject, body, impact, urgency, channel, type_, hours_ago in spec["cases"]:
        if Ticket.objects.filter(customer=customer, subject=subject).exists():
            continue
        ticket = ticket_open(
            customer=customer,
            contact=contacts[0],
            subject=subject,
            body=body,
            channel=channel,
            type=type_,
            impact=Impact.objects.get(provider=provider, code=impact),
            urgency=Urgency.objects.get(provider=provider, code=urgency),
            actor=contacts[0],
            opened_at=now - timedelta(hours=hours_ago),
        )
        _history(ticket, team, contacts[0], now)
        created += 1
    return created


def _history(ticket: Ticket, team: Team | None, contact: Contact, now) -> None:
    """Replay a demo case's history at its own past instants (the importer's path)."""
    lead = team.lead if team else None
    actor = lead.user if lead else User.objects.get(username=DEMO_USERNAME)
    if team is not None:
        ticket_assign(ticket=ticket, actor=actor, team=team, at=ticket.opened_at)
    for minutes, action, *args in HISTORIES.get(ticket.subject, []):
        at = ticket.opened_at + timedelta(minutes=minutes)
        if at >= now:
            break
        if action == "assign":
            ticket_assign(ticket=ticket, actor=actor, assignee=lead, at=at)
        elif action == "reply":
            ticket_reply(ticket=ticket, actor=actor, body=args[0], at=at)
        elif action == "call":
            ticket_log_call(ticket=ticket, actor=actor, body=args[0], direction="outbound", minutes=10, at=at)
        elif action == "status":
            ticket_change_status(ticket=ticket, actor=actor, status=args[0], reason=args[1], at=at)
        elif action == "severity":
            ticket_change_severity(ticket=ticket, actor=actor, level=args[0], reason=args[1], at=at)
        elif action == "onsite":
            ticket_onsite_required(ticket=ticket, actor=actor, note=args[0], at=at)
        elif action == "customer":
            ticket_reply(ticket=ticket, actor=contact, body=args[0], at=at)
