from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountabilityConfig(AppConfig):
    name = "accountability"
    verbose_name = "People, teams and email"
    default = True


class SecureAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site: sign-in through the app (throttled), and a second
    factor for everyone who opens it (see accountability.security.SecureAdminSite)."""

    default = False  # named in INSTALLED_APPS; "accountability" is AccountabilityConfig
    default_site = "accountability.security.SecureAdminSite"
