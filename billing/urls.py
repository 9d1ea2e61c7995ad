from django.urls import path

from billing.views import member

app_name = "billing"

urlpatterns = [
    path("membership/", member.dashboard, name="dashboard"),
    path("membership/join/", member.join, name="join"),
    path("membership/renew/", member.renew, name="renew"),
    path("membership/waiver/", member.waiver, name="waiver"),
    path("billing/invoices/<str:number>/", member.invoice_detail, name="invoice"),
    path("billing/invoices/<str:number>/invoice.pdf", member.invoice_download, name="invoice_pdf"),
    path("billing/invoices/<str:number>/send/", member.invoice_send, name="invoice_send"),
    path("billing/invoices/<str:number>/receipt/", member.receipt, name="receipt"),
    path("billing/invoices/<str:number>/receipt.pdf", member.receipt_download, name="receipt_pdf"),
    path("billing/credit-notes/<str:number>/", member.credit_note, name="credit_note"),
    path(
        "billing/credit-notes/<str:number>/credit-note.pdf",
        member.credit_note_download,
        name="credit_note_pdf",
    ),
]
