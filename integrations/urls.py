from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("<slug:slug>/inbound/", views.inbound, name="inbound"),
    path("mail/<slug:slug>/inbound/", views.mail_inbound, name="mail_inbound"),
]
