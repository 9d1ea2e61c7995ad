from django.urls import path

from billing.views.staff import invoices, member_work, members, waivers

app_name = "billing_staff"

urlpatterns = [
    path("members/", members.member_list, name="member_list"),
    path("members/export.csv", members.member_export, name="member_export"),
    # Before the member's own address, which would take "new" for a member number.
    path("members/new/", member_work.member_new, name="member_new"),
    path("members/<str:member_number>/", members.member_detail, name="member_detail"),
    path("members/<str:member_number>/life/", members.member_life, name="member_life"),
    path("members/<str:member_number>/edit/", member_work.member_edit, name="member_edit"),
    path("members/<str:member_number>/claim/", member_work.member_claim, name="member_claim"),
    path("members/<str:member_number>/invoice/", member_work.member_invoice, name="member_invoice"),
    path(
        "members/<str:member_number>/terms/<int:term_id>/dates/",
        member_work.term_dates,
        name="term_dates",
    ),
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
