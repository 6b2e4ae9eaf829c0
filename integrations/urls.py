from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("<slug:slug>/inbound/", views.inbound, name="inbound"),
]
