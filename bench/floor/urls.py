"""The app's URLs plus the floor: a signed-in page that runs one query and renders base.html
(with its navigation, as every page does). Only bench/floor/settings.py selects this module."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from accountability.models import Team
from accountability.urls import urlpatterns as app_urlpatterns

FLOOR = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
    "{% block content %}<h1>{{ team.name }}</h1>{% endblock %}"
)


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    team = Team.objects.filter(memberships__user=request.user).order_by("pk").first()
    return HttpResponse(FLOOR.render({"team": team}, request))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *app_urlpatterns]
