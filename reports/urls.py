from django.urls import path

from reports.views import experts, forecast, home, membership, revenue, snapshots

app_name = "reports"

# Included at "staff/": billing's staff screens there use members/, invoices/ and waivers/.
urlpatterns = [
    path("", home.staff_home, name="staff_home"),
    path("reports/renewals-due/", home.renewals_due_list, name="renewals_due"),
    path("reports/membership/", membership.membership_report, name="membership"),
    path("reports/revenue/", revenue.revenue_report, name="revenue"),
    path("reports/aging/", revenue.aging_report, name="aging"),
    path("reports/waivers/", revenue.waivers_report, name="waivers"),
    path("reports/forecast/", forecast.forecast_report, name="forecast"),
    path("reports/experts/", experts.experts_report, name="experts"),
    path("reports/refresh/", snapshots.refresh_report, name="refresh"),
]
