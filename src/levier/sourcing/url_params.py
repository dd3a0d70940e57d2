"""Examples of this app's URL parameters for an organisation (the isolation test fills routes with them)."""

from levier.core.tenancy import register_url_param

from .models import SourcingEntry, SourcingList


def example_list(org) -> SourcingList:
    found = SourcingList.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = SourcingList.objects.create(organisation=org, title="Liste d'exemple")
    return found


def example_entry(org) -> SourcingEntry:
    from levier.directory.url_params import _structure_example

    sourcing_list = example_list(org)
    entry = sourcing_list.entries.order_by("pk").first()
    if entry is None:
        entry = SourcingEntry.objects.create(
            sourcing_list=sourcing_list, structure_id=_structure_example(org)
        )
    return entry


register_url_param("sourcing_list", lambda org: example_list(org).pk)
register_url_param("entry", lambda org: example_entry(org).pk)
