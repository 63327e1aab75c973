from django.urls import path

from rainforest.finance import views

app_name = "finance"
urlpatterns = [
    path("pledges/", views.pledge_list, name="pledge_list"),
    path("pledges/new/", views.pledge_new, name="pledge_new"),
    path("pledges/new/check/", views.pledge_check, name="pledge_check"),
    path("pledges/<int:pledge_id>/done/", views.pledge_done, name="pledge_done"),
    path("pledges/<int:pledge_id>/resubmit/", views.pledge_resubmit, name="pledge_resubmit"),
    path("pledges/<int:pledge_id>/certificate.pdf", views.certificate, name="certificate"),
]
