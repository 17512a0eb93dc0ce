"""Service levels: business-hours arithmetic (`calendar`), the SLA clock over a ticket's history
(`clock`), and the fallback targets used when no policy matches (`fallback`)."""

from tickets.sla.calendar import Calendar, CalendarError
from tickets.sla.fallback import FIRST_RESPONSE_HOURS, RESOLUTION_HOURS, due_times

__all__ = ["FIRST_RESPONSE_HOURS", "RESOLUTION_HOURS", "Calendar", "CalendarError", "due_times"]
