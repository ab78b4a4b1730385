from django.urls import path

from tools import views

app_name = "tools"

urlpatterns = [
    path("risk-test/", views.risk_test, name="risk-test"),
]
