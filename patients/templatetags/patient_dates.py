"""`{{ patient.date_of_birth|day_month_year }}`: `15 Mar 1984` / `15 mars 1984` (patients.dates)."""

from django import template

from patients.dates import format_date

register = template.Library()


@register.filter
def day_month_year(value):
    return format_date(value)
