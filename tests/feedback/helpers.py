"""Small helpers shared by the feedback tests."""

import re

from django.urls import reverse

from feedback import services
from feedback.models import FeedbackThread

CODE_RE = re.compile(r'id="follow-up-code">([A-Z2-7]{4}(?:-[A-Z2-7]{4}){5})<')


def send(client, *, team, body="Our stand-ups run long.", category="idea", sign=False, shown=None, **extra):
    """POST the writing form as the page would after showing `shown` (by default, the real
    destination, as the page's script sets it)."""
    if shown is None:
        from feedback.forms import destination_of

        shown = destination_of(team)
    data = {"team": team.pk, "category": category, "body": body, "shown_destination": shown}
    if sign:
        data["sign"] = "on"
    return client.post(reverse("feedback_new"), data, **extra)


def followed(response):
    """The page a POST redirected to, opened as the browser would (once: it may show a thing
    only once)."""
    assert response.status_code == 302, response.status_code
    return response.client.get(response["Location"])


def code_from(response) -> str:
    """The follow-up code on the page sending redirects to (or on that page itself)."""
    if response.status_code == 302:
        response = followed(response)
    match = CODE_RE.search(response.content.decode())
    assert match, "no follow-up code on the page"
    return match.group(1)


def open_thread(client, code, **extra):
    return client.post(reverse("feedback_follow_up"), {"code": code}, **extra)


def only_thread() -> FeedbackThread:
    return FeedbackThread.objects.select_related("team").get()


def release_next_morning(team, **kwargs) -> services.Released:
    """Run the daily release at 08:00 tomorrow, team time: what was written today is shown."""
    return services.feedback_release(now=services.release_at(team=team, written_on=team.today()), **kwargs)
