from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from levier.rules import refstore
from levier.rules.geography import get_geography


@login_required
def status(request):
    """What reference data this installation holds: the UI says when only the département fallback is there."""
    return render(
        request,
        "referential/status.html",
        {
            "title": "Référentiels",
            "datasets": refstore.RefStore().status(),
            "coverage": get_geography().coverage(),
        },
    )
