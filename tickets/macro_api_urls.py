from django.urls import path

from tickets import macro_apis

app_name = "macros"

urlpatterns = [
    path("", macro_apis.MacroListApi.as_view(), name="list"),
    path("create/", macro_apis.MacroCreateApi.as_view(), name="create"),
    path("<api_id:macro_id>/", macro_apis.MacroDetailApi.as_view(), name="detail"),
    path("<api_id:macro_id>/update/", macro_apis.MacroUpdateApi.as_view(), name="update"),
    path("<api_id:macro_id>/delete/", macro_apis.MacroDeleteApi.as_view(), name="delete"),
]
