from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from levier.organisations import selectors as org_selectors
from levier.organisations import services as org_services
from levier.organisations.forms import AcceptInvitationForm
from levier.organisations.roles import ROLE_DESCRIPTIONS, Role

from .navigation import SECTIONS_BY_KEY, home_sections
from .tenancy import org_view


@login_required
def home(request):
    memberships = list(org_selectors.memberships_of(request.user))
    last = request.session.get("last_org")
    if last and any(m.organisation.slug == last for m in memberships):
        return redirect("org:home", org=last)
    if len(memberships) == 1:
        return redirect("org:home", org=memberships[0].organisation.slug)
    return render(
        request,
        "core/choose_organisation.html",
        {"title": "Choisir une organisation", "memberships": memberships},
    )


@login_required
@require_GET
def switch_organisation(request):
    slug = request.GET.get("org", "")
    if org_selectors.active_membership(request.user, slug) is None:
        raise Http404("Organisation introuvable.")
    request.session["last_org"] = slug
    return redirect("org:home", org=slug)


@org_view()
def org_home(request):
    tenant = request.tenant
    roles = tenant.roles
    return render(
        request,
        "core/org_home.html",
        {
            "title": tenant.organisation.name,
            "sections": home_sections(roles),
            "my_roles": [(Role(r).label, ROLE_DESCRIPTIONS[Role(r)]) for r in roles if r in Role.values],
            "is_admin": tenant.has_role(Role.ADMIN),
            "groups": org_selectors.groups_of(tenant.organisation),
            "service_count": tenant.organisation.services.count(),
        },
    )


@org_view()
def section(request, section):
    found = SECTIONS_BY_KEY.get(section)
    if found is None:
        raise Http404("Rubrique inconnue.")
    if found.url_name != "org:section":
        # Old links to the placeholder keep working once the capability has its own pages.
        return redirect(found.url_name, org=request.tenant.organisation.slug)
    return render(request, "core/section.html", {"title": found.label, "section": found})


def accept_invitation(request, invitation_key):
    invitation = org_services.invitation_for_token(invitation_key)
    if invitation is None:
        raise Http404("Invitation introuvable ou expirée.")
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email.lower() != invitation.email.lower():
        raise PermissionDenied("Cette invitation est adressée à une autre adresse électronique.")
    from django.contrib.auth import get_user_model

    existing = user or get_user_model().objects.filter(email__iexact=invitation.email).first()
    form = None if existing else AcceptInvitationForm(request.POST or None)
    if request.method == "POST":
        if existing is not None and user is None:
            messages.info(request, "Un compte existe déjà pour cette adresse : connectez-vous pour accepter.")
            return redirect(f"{request.path}?next={request.path}")
        if form is None or form.is_valid():
            membership = org_services.accept_invitation(
                invitation,
                user,
                password=form.cleaned_data["password1"] if form else None,
                first_name=form.cleaned_data["first_name"] if form else "",
                last_name=form.cleaned_data["last_name"] if form else "",
            )
            if user is None:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Bienvenue dans {invitation.organisation.name}.")
            return redirect("org:home", org=invitation.organisation.slug)
    return render(
        request,
        "core/accept_invitation.html",
        {
            "title": "Invitation",
            "invitation": invitation,
            "form": form,
            "needs_login": existing is not None and user is None,
            "role_labels": [Role(r).label for r in invitation.roles],
        },
    )
