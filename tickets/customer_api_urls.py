from django.urls import path

from tickets import customer_apis

app_name = "customers"

urlpatterns = [
    path(
        "<api_id:customer_id>/tickets/",
        customer_apis.CustomerTicketListApi.as_view(),
        name="tickets",
    ),
]
