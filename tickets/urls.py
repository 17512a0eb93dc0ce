from __future__ import annotations

from django.urls import path

from tickets import report_views, views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_create, name="create"),
    path("bulk/", views.ticket_bulk, name="bulk"),
    path("availability/", views.my_availability, name="availability"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("<int:pk>/status/", views.ticket_status, name="status"),
    path("<int:pk>/take/", views.ticket_take, name="take"),
    path("<int:pk>/assign/", views.ticket_assign, name="assign"),
    path("<int:pk>/priority/", views.ticket_priority, name="priority"),
    path("<int:pk>/classify/", views.ticket_classify, name="classify"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("reports/", report_views.ticket_reports, name="reports"),
    path("export.csv", report_views.ticket_export, name="export"),
    path("<int:pk>/merge/", report_views.ticket_merge, name="merge"),
    path("<int:pk>/link/", report_views.ticket_link, name="link"),
    path("<int:pk>/unlink/", report_views.ticket_unlink, name="unlink"),
]
