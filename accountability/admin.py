from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from . import outbox, services, twofactor
from .models import EmailStatus, Invitation, Membership, OutboundEmail, Team, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class OrgAdminAccess:
    """Organisation admins (staff) run teams, memberships and invitations from the admin
    without being given per-model permissions one by one."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class MembershipInline(OrgAdminAccess, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]
    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor authentication (they set it up again at next sign-in)")
    def reset_two_factor(self, request, queryset):
        done = refused = 0
        for user in queryset:
            if twofactor.may_reset(actor=request.user, user=user):
                twofactor.twofactor_reset(user=user, actor=request.user)
                done += 1
            else:
                refused += 1
        if done:
            self.message_user(request, f"Two-factor reset for {done} account(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"{refused} account(s) left alone: you may not reset their two-factor.", messages.WARNING
            )

    # Org admins see people (to pick them for memberships); changing accounts stays with
    # superusers and those given the permission explicitly.
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return (request.user.is_active and request.user.is_staff) or super().has_view_permission(request, obj)


class TeamAdminForm(forms.ModelForm):
    # No Meta: the admin builds it from TeamAdmin, so every field stays editable there.

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in services.RESERVED_SLUGS:
            # /teams/new/ is the "create a team" page; a team there could never be opened.
            raise forms.ValidationError(f"“{slug}” is reserved. Choose another slug.")
        return slug


@admin.register(Team)
class TeamAdmin(OrgAdminAccess, admin.ModelAdmin):
    form = TeamAdminForm
    list_display = ["name", "slug", "time_zone", "checkin_weekday", "checkin_time", "anonymity_threshold"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(OrgAdminAccess, admin.ModelAdmin):
    list_display = ["user", "team", "role", "joined_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__email", "user__display_name", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(Invitation)
class InvitationAdmin(OrgAdminAccess, admin.ModelAdmin):
    list_display = ["email", "team", "role", "invited_by", "created_at", "sent_count", "accepted_at"]
    list_filter = ["role", "team"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "sent_count", "last_sent_at", "accepted_at", "accepted_by"]
    autocomplete_fields = ["team", "invited_by"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by the app; an admin may only retry failed rows.

    Bodies and headers are never shown, to anyone, in any status: an email's link may be a key
    (a password reset, an invitation, a survey), and whoever reads it could use it. What an
    admin needs to run the outbox is here: kind, recipient, status, attempts, the last error."""

    list_display = ["created_at", "kind", "to_email", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "kind"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    fields = [
        "kind",
        "to_email",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_until",
        "sent_at",
        "content",
    ]
    readonly_fields = fields

    @admin.display(description="Content")
    def content(self, obj: OutboundEmail) -> str:
        return "Not shown: an email's links can be keys to someone's account."

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        # The sealed bodies are never needed here: not even loaded.
        return super().get_queryset(request).defer("body_text", "body_html", "headers")

    @admin.action(description="Retry the selected failed emails")
    def retry_failed(self, request, queryset):
        ids = list(queryset.filter(status=EmailStatus.FAILED).values_list("pk", flat=True))
        count = outbox.outbox_retry(email_ids=ids)
        self.message_user(request, f"{count} email(s) queued again.", messages.SUCCESS)


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Two-factor devices: who has which, and deleting one. Their secrets (sealed) stay out."""

    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
