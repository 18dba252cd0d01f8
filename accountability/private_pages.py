"""Pages that must leave no trace of who opened them: the anonymous writer's pages (feedback)
and the survey answering pages (surveys). Each app says which names its pages look up."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_private(
    request: HttpRequest, template: str, context: dict, *, defaults: dict, status: int = 200
) -> HttpResponse:
    """Render a page leaving no trace:

    * every name in `defaults` is set unless `context` sets it: for a missing name Django's
      template debug log dumps the whole context, the signed-in person included;
    * `messages` is hidden: showing a signed-in person's pending messages here would consume
      them, and so write their session or cookie;
    * a refusal (404 for a wrong code, 410, 429, 422) is not logged by django.request, whose
      record carries the whole request (address, cookies, the signed-in person) to every handler;
    * the CSRF cookie a browser already holds is not sent again (Django renews it whenever a
      page uses the token, as base.html's sign-out form does): the page sets no cookie.
    """
    response = render(request, template, {**defaults, **context, "messages": ()}, status=status)
    if request.COOKIES.get(settings.CSRF_COOKIE_NAME):
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    if status >= 400:
        response._has_been_logged = True  # read by django.utils.log.log_response
    return response
