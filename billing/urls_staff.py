from django.urls import path

from billing.views.staff import employer, exports, invoices, member_work, members, waivers

app_name = "billing_staff"

urlpatterns = [
    path("members/", members.member_list, name="member_list"),
    # Before the member's own address, which would take "exports" for a member number.
    path("members/exports/new/", exports.member_export_new, name="member_export"),
    path("members/exports/<int:pk>/", exports.member_export_detail, name="member_export_detail"),
    path(
        "members/exports/<int:pk>/progress/",
        exports.member_export_progress_json,
        name="member_export_progress",
    ),
    path(
        "members/exports/<int:pk>/stop/", exports.member_export_stop_view, name="member_export_stop"
    ),
    path(
        "members/exports/<int:pk>/download/",
        exports.member_export_download,
        name="member_export_download",
    ),
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
    path("payments/<int:pk>/refund/", invoices.payment_refund, name="payment_refund"),
    path(
        "invoices/<str:number>/purchase-order/",
        employer.invoice_purchase_order,
        name="invoice_purchase_order",
    ),
    path(
        "invoices/<str:number>/credit-note/",
        employer.invoice_credit_note,
        name="invoice_credit_note",
    ),
    path("employer-invoices/", employer.group_list, name="group_list"),
    path("employer-invoices/new/", employer.group_new, name="group_new"),
    path("employer-invoices/<str:number>/", employer.group_detail, name="group_detail"),
    path("employer-invoices/<str:number>/invoice.pdf", employer.group_pdf, name="group_pdf"),
    path(
        "employer-invoices/<str:number>/record-payment/",
        employer.group_record_payment,
        name="group_record_payment",
    ),
    path(
        "employer-invoices/<str:number>/purchase-order/",
        employer.group_purchase_order,
        name="group_purchase_order",
    ),
    path("employer-invoices/<str:number>/send/", employer.group_send, name="group_send"),
    path("credits/", employer.credit_list, name="credit_list"),
    path("credits/<int:pk>/", employer.credit_detail, name="credit_detail"),
    path("waivers/", waivers.waiver_list, name="waiver_list"),
    path("waivers/<int:pk>/decide/", waivers.waiver_decide, name="waiver_decide"),
]
