from django.urls import path

from billing.views.staff import invoices, members, waivers

app_name = "billing_staff"

urlpatterns = [
    path("members/", members.member_list, name="member_list"),
    path("members/export.csv", members.member_export, name="member_export"),
    path("members/<str:member_number>/", members.member_detail, name="member_detail"),
    path("members/<str:member_number>/life/", members.member_life, name="member_life"),
    path(
        "members/<str:member_number>/messages/<int:message_id>/resend/",
        members.member_message_resend,
        name="member_message_resend",
    ),
    path("invoices/<str:number>/", invoices.invoice_detail, name="invoice_detail"),
    path(
        "invoices/<str:number>/record-payment/",
        invoices.invoice_record_payment,
        name="invoice_record_payment",
    ),
    path("invoices/<str:number>/cancel/", invoices.invoice_cancel, name="invoice_cancel"),
    path("waivers/", waivers.waiver_list, name="waiver_list"),
    path("waivers/<int:pk>/decide/", waivers.waiver_decide, name="waiver_decide"),
]
