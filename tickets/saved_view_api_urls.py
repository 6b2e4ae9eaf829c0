from django.urls import path

from tickets import saved_view_apis

app_name = "views"

urlpatterns = [
    path("", saved_view_apis.SavedViewListApi.as_view(), name="list"),
    path("create/", saved_view_apis.SavedViewCreateApi.as_view(), name="create"),
    path("<api_id:view_id>/", saved_view_apis.SavedViewDetailApi.as_view(), name="detail"),
    path("<api_id:view_id>/update/", saved_view_apis.SavedViewUpdateApi.as_view(), name="update"),
    path("<api_id:view_id>/delete/", saved_view_apis.SavedViewDeleteApi.as_view(), name="delete"),
]
