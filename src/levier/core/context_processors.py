from levier.organisations.selectors import memberships_of

from .navigation import SECTIONS


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "my_memberships": []}
    tenant = getattr(request, "tenant", None)
    return {
        "nav_sections": SECTIONS if tenant else [],
        "current_tenant": tenant,
        "current_org": tenant.organisation if tenant else None,
        "my_memberships": list(memberships_of(user)),
        "skiplinks": [
            {"link": "#content", "label": "Contenu"},
            {"link": "#fr-navigation", "label": "Menu"},
            {"link": "#footer", "label": "Pied de page"},
        ],
    }
