from django.urls import path

from dashboards import apis

app_name = "dashboards"

urlpatterns = [
    path("<slug:page>/", apis.DashboardFiguresApi.as_view(), name="figures"),
]
