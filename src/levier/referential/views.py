from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from levier.rules import refstore
from levier.rules.geography import get_geography


@login_required
def status(request):
    """The reference data this installation holds, and whether geography is département-level only."""
    return render(
        request,
        "referential/status.html",
        {
            "title": "Référentiels",
            "datasets": refstore.RefStore().status(),
            "coverage": get_geography().coverage(),
        },
    )
