from django.urls import path

from topics import views

app_name = "topics"

urlpatterns = [
    path("", views.home, name="home"),
    path("topics/", views.topic_list, name="topic-list"),
    path("topics/<slug:topic>/", views.topic_redirect, name="topic"),
    path("topics/<slug:topic>/<slug:persona>/", views.variant_detail, name="variant"),
    path("persona/", views.set_persona, name="set-persona"),
    path("glossary/", views.glossary, name="glossary"),
    path("glossary/<slug:term>/", views.glossary_term, name="glossary-term"),
    path("search/", views.search, name="search"),
    path("about/", views.about, name="about"),
    path("about/<slug:page>/", views.about, name="about-page"),
]
