from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from levier.core.tenancy import org_view

from . import selectors, services
from .forms import InvitationForm, MemberRolesForm, ServiceForm
from .roles import ROLE_DESCRIPTIONS, Role


@org_view()
def service_list(request):
    org = request.tenant.organisation
    is_admin = request.tenant.has_role(Role.ADMIN)
    form = ServiceForm(request.POST or None, organisation=org) if is_admin else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.create_service(
                request.user,
                org,
                form.cleaned_data["name"],
                form.cleaned_data["parent"],
                form.cleaned_data["code"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Service ajouté.")
            return redirect("organisations:services", org=org.slug)
    return render(
        request,
        "organisations/services.html",
        {"title": "Services et directions", "tree": selectors.service_tree(org), "form": form},
    )


@org_view()
def group_list(request):
    org = request.tenant.organisation
    return render(
        request,
        "organisations/groups.html",
        {"title": "Groupements de commandes", "groups": selectors.groups_of(org)},
    )


@org_view(roles=[Role.ADMIN])
def member_list(request):
    org = request.tenant.organisation
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(
                request.user,
                org,
                form.cleaned_data["email"],
                form.cleaned_data["roles"],
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect("organisations:members", org=org.slug)
    return render(
        request,
        "organisations/members.html",
        {
            "title": "Membres et rôles",
            "members": selectors.members_of(org),
            "invitations": selectors.pending_invitations(org),
            "form": form,
            "role_descriptions": [(Role(r).label, d) for r, d in ROLE_DESCRIPTIONS.items()],
        },
    )


@org_view(roles=[Role.ADMIN])
def member_edit(request, membership):
    org = request.tenant.organisation
    member = selectors.membership_in(org, membership)
    if member is None:
        raise Http404("Membre introuvable.")
    initial = {"roles": member.roles, "service": member.service_id}
    form = MemberRolesForm(request.POST or None, organisation=org, initial=initial)
    if request.method == "POST":
        action = request.POST.get("action", "roles")
        try:
            if action in {"deactivate", "activate"}:
                services.set_member_active(request.user, member, action == "activate")
                messages.success(request, "Accès mis à jour.")
                return redirect("organisations:members", org=org.slug)
            if form.is_valid():
                services.set_member_roles(
                    request.user, member, form.cleaned_data["roles"], form.cleaned_data["service"]
                )
                messages.success(request, "Rôles mis à jour.")
                return redirect("organisations:members", org=org.slug)
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "organisations/member_edit.html",
        {"title": f"Rôles de {member.user.display_name}", "member": member, "form": form},
    )
