"""The one authentication backend: django-allauth's (email and password, with its throttles),
loading the signed-in person together with whether they have a second factor, so the
two-factor policy (accountability.security) costs no query of its own on each request."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef

from .models import User
from .twofactor import PRIMARY_TYPES


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        factors = Authenticator.objects.filter(user=OuterRef("pk"), type__in=PRIMARY_TYPES)
        try:
            user = User._default_manager.annotate(has_second_factor=Exists(factors)).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
