from django.urls import path

from communications.views import member, unsubscribe

app_name = "communications"

urlpatterns = [
    path("messages/", member.my_messages, name="my_messages"),
    path("messages/resubscribe/", unsubscribe.resubscribe_view, name="resubscribe"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe_view, name="unsubscribe"),
]
