from django.urls import path

from rainforest.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cycle-times.xlsx", views.export_xlsx, name="export_xlsx"),
]
