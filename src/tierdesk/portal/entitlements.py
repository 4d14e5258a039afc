"""What a contact's plan lets them do in the portal: decided once per request from the contract in force."""

from __future__ import annotations

from dataclasses import dataclass

from tierdesk import clock
from tierdesk.catalog.models import ChannelAccess, Plan
from tierdesk.catalog.vocabulary import Channel, Feature
from tierdesk.customers.models import Contact, Contract
from tierdesk.tickets.services import contract_for


@dataclass(frozen=True)
class Entitlements:
    contract: Contract | None
    plan: Plan | None
    portal: ChannelAccess | None
    knowledge_base: bool
    monitoring: bool = False

    @property
    def has_portal(self) -> bool:
        return self.portal is not None

    @property
    def channels(self) -> list[ChannelAccess]:
        return list(self.plan.channels.all()) if self.plan else []


def entitlements_for(contact: Contact) -> Entitlements:
    customer = contact.customer
    contract = contract_for(customer=customer, at=clock.now())
    plan = contract.plan if contract else customer.provider.plans.filter(adhoc=True).first()
    if plan is None:
        return Entitlements(contract, None, None, False)
    channels = list(plan.channels.select_related("calendar"))
    portal = next((c for c in channels if c.channel == Channel.PORTAL), None)
    # The knowledge base is read in the portal: it needs both, and a contract (not ad hoc cover); so
    # does the monitoring status board.
    features = {f.code for f in plan.features.all()} if contract is not None and portal is not None else set()
    kb = Feature.KNOWLEDGE_BASE in features
    return Entitlements(contract, plan, portal, kb, monitoring=Feature.MONITORING in features)
