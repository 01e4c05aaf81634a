from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User


class SignupForm(UserCreationForm):
    """Username and password only; anything else can be added on a profile page later."""

    class Meta:
        model = User
        fields = ("username",)
        field_classes = {"username": UsernameField}
