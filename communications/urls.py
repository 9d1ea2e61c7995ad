from django.urls import path

from communications.views import member

app_name = "communications"

urlpatterns = [
    path("messages/", member.my_messages, name="my_messages"),
]
