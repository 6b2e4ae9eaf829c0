from django.urls import path

from knowledge import apis

app_name = "knowledge"

urlpatterns = [
    path("", apis.EntryListApi.as_view(), name="list"),
    path("search/", apis.EntrySearchApi.as_view(), name="search"),
    path("create/", apis.EntryCreateApi.as_view(), name="create"),
    path("<api_id:entry_id>/", apis.EntryDetailApi.as_view(), name="detail"),
    path("<api_id:entry_id>/approve/", apis.EntryApproveApi.as_view(), name="approve"),
    path("<api_id:entry_id>/reject/", apis.EntryRejectApi.as_view(), name="reject"),
]
