"""The API's pages outside the API itself: the profile panel's forms (tokens, calendar feed),
the private calendar feed, and the reference page for the schema."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accountability.forms import add_service_errors

from .. import ics, services
from ..forms import AccessTokenForm
from ..models import AccessToken


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """Make a token and show it this once (the page is the answer to the POST: the value is
    never stored, not even in the session)."""
    form = AccessTokenForm(request.POST)
    if form.is_valid():
        try:
            new = services.access_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "api/token_created.html", {"token": new.token, "raw": new.raw})
    return render(request, "api/token_form.html", {"form": form}, status=422)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(AccessToken, pk=token_id, user=request.user)
    services.access_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer opens anything.")
    return redirect("profile")


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_regenerate(user=request.user)
    messages.success(request, "Your calendar has a new private address; any earlier one has stopped working.")
    return redirect("profile")


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, "Your calendar feed is switched off.")
    return redirect("profile")


@require_safe
@never_cache
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the address is the key (calendar apps send no cookies)."""
    user = services.calendar_feed_user(token)
    if user is None:
        response = HttpResponseNotFound("No calendar at this address.", content_type="text/plain")
        response._has_been_logged = True  # django.request would log the address, a key
        return response
    response = HttpResponse(ics.person_calendar(user=user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="checkins.ics"'
    return response


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI over /api/schema/, from the vendored files, started by our own script (the
    Content-Security-Policy allows no inline script)."""
    return render(request, "api/docs.html")


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """The API answers cookies with nothing, so there is no CSRF to guard here either."""
    response = JsonResponse({"detail": "Not found."}, status=404)
    response._has_been_logged = True
    return response
