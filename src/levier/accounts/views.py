from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from . import services
from .forms import ApiTokenForm, LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@login_required
def profile(request):
    created_key = request.session.pop("new_api_token", None)
    form = ApiTokenForm()
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "tokens": tokens, "created_key": created_key, "title": "Mon compte"},
    )


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.create_api_token(request.user, form.cleaned_data["name"])
        # Shown once on the next page, then dropped from the session.
        request.session["new_api_token"] = raw
        messages.success(request, "Jeton créé. Copiez-le maintenant : il ne sera plus affiché.")
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request, api_token):
    get_object_or_404(request.user.api_tokens, pk=api_token, revoked_at__isnull=True)
    services.revoke_api_token(request.user, api_token)
    messages.success(request, "Jeton révoqué.")
    return redirect("accounts:profile")
