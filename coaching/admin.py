from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from coaching.models import User


@admin.register(User)
class CoachingUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "last_login"]
