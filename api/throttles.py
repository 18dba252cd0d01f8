"""Requests per token, counted in the shared cache (Redis in production, as the sign-in
throttles): every web process sees the same count."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import AccessToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api-token"

    def get_rate(self) -> str:
        # Read at each request, not at import, so settings (and tests) can change it.
        return settings.API_RATE_LIMIT

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, AccessToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        # No token: the request is refused as unauthenticated anyway; count per address.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
