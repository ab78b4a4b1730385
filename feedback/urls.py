from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("feedback/", views.vote, name="vote"),
    path("feedback/comment/", views.comment, name="comment"),
    path("topics/<slug:topic>/<slug:persona>/share/", views.share, name="share"),
]
